#!/usr/bin/env python3
# Hostile-load reproducers of issue 15 (see docs/reliability.md). Loopback only: attacker 127.0.0.1, bystander 127.0.0.2.
# usage: hostile_load.py PORT partial | fill N | multiget KEYS ITEMS | noread SECONDS SERVER_PID | pipeline SECONDS
#        | pipelined GETS CONNS SERVER_PID | biggets SECONDS VALUE_BYTES | binpipeline SECONDS | manynoread N
#        | dump ITEMS
import socket, time, sys, threading, os
port=int(sys.argv[1]); mode=sys.argv[2]
def conn(src="127.0.0.1"):
    s=socket.socket(); s.bind((src,0)); s.connect(("127.0.0.1",port)); return s
def req(data, end=b"END\r\n", timeout=10):
    s=conn("127.0.0.2"); s.settimeout(timeout); t=time.time(); s.sendall(data); out=bytearray(); tail=b""
    NVAL=0; NBYTES=0
    try:
        while not tail.endswith(end):
            d=s.recv(1<<20)
            if not d: break
            NBYTES+=len(d); NVAL+=(tail[-8:]+d).count(b"VALUE ")
            if len(out)<100: out+=d[:100]
            tail=(tail+d)[-16:]
    except Exception as e: tail+=b"<"+str(e).encode()+b">"
    s.close(); req.last=(NBYTES,NVAL); return time.time()-t, bytes(out[:60])+b"..."+tail
def latencies(probe, seconds, busy=lambda: True):
    # The bystander: `probe` from 127.0.0.2 every 5 ms for `seconds` (or until busy() is false); its round trips.
    b=conn("127.0.0.2"); b.settimeout(10); lat=[]; t0=time.time(); time.sleep(0.2)
    while busy() and time.time()-t0<seconds:
        t=time.time(); b.sendall(probe); b.recv(100); lat.append((time.time()-t)*1000); time.sleep(0.005)
    lat.sort()
    return "n=%d p50 %.1f ms p99 %.1f ms max %.1f ms"%(len(lat),lat[len(lat)//2],lat[int(len(lat)*.99)],lat[-1])
def flood(s, chunk, seconds, probe):
    # `s` sends `chunk` over and over for `seconds` and reads whatever comes back; the bystander's round trips meanwhile.
    stop=[False]
    def drain():
        while not stop[0]:
            try:
                if not s.recv(1<<20): break
            except Exception: break
    def send():
        t0=time.time()
        while not stop[0] and time.time()-t0<seconds:
            try: s.sendall(chunk)
            except Exception: break
    for f in (drain,send): threading.Thread(target=f,daemon=True).start()
    try: return latencies(probe, seconds)
    finally: stop[0]=True
if mode=="partial":
    socks=[]
    for i in range(300):
        try:
            s=conn(); s.setblocking(True); socks.append(s)
        except Exception as e: print("connect fail",i,e); break
    def send(s):
        try:
            s.sendall(b"get "); 
            for k in range(10): s.sendall(b"a"*100000)
        except Exception as e: pass
    ths=[threading.Thread(target=send,args=(s,)) for s in socks]
    t0=time.time()
    for t in ths: t.start()
    for i in range(6):
        time.sleep(1); print("t=%.1f get:"%(time.time()-t0), "%.3fs"%req(b"get x\r\n")[0], req(b"get x\r\n")[1][:40])
    for t in ths: t.join(timeout=20)
    print("alive threads", sum(t.is_alive() for t in ths))
    for s in socks: s.close()
    time.sleep(0.5)
    print("after:", req(b"version\r\n", b"\r\n"))
elif mode=="fill":
    s=conn(); 
    for i in range(int(sys.argv[3])):
        s.sendall(b"set big%d 0 0 100000\r\n"%i + b"v"*100000 + b"\r\n")
    s.sendall(b"mn\r\n"); out=b""
    while not out.endswith(b"MN\r\n"): out+=s.recv(1<<20)
    print("stored", out.count(b"STORED"))
elif mode=="multiget":
    n=int(sys.argv[3]); items=int(sys.argv[4])
    line=b"get "+b" ".join(b"big%d"%(i%items) for i in range(n))+b"\r\n"
    def side():
        for i in range(5):
            time.sleep(0.5); t,o=req(b"version\r\n",b"\r\n"); print("  side version %.3fs"%t, o[:20])
    th=threading.Thread(target=side); th.start()
    t,o=req(line, timeout=120); nb,nv=req.last; th.join()
    print("multiget %d keys: %.2fs %d bytes, values %d, ends END %s"%(n,t,nb,nv,o.endswith(b"END\r\n")))
elif mode=="noread":
    s=conn(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    line=b"get "+b" ".join(b"big%d"%i for i in range(100))+b"\r\n"
    s.settimeout(0.2); sent=0; t0=time.time(); fails=0
    while time.time()-t0<float(sys.argv[3]):
        try: s.send(line); sent+=1
        except socket.timeout: pass
        if int((time.time()-t0)*2)%2==0:
            t,o=req(b"get big1\r\n", timeout=2)
            if not o.endswith(b"END\r\n"): fails+=1
    print("sent lines", sent, "side get failures", fails)
    os.system("ps -o rss= -p %s"%sys.argv[4])
    s.close(); time.sleep(0.5)
    print("after:", req(b"version\r\n", b"\r\n"))
if mode=="pipeline":
    # One client pipelines `get a` in 1 MiB writes (and reads its replies); the bystander's `version` round trips.
    s=conn(); s.sendall(b"set a 0 0 1\r\nx\r\n"); s.recv(100)
    print("bystander version:", flood(s, b"get a\r\n"*((1<<20)//7), float(sys.argv[3]), b"version\r\n"))
if mode=="pipelined":
    # CONNS connections each pipeline GETS `get a` and read every reply: throughput and server CPU per request.
    n=int(sys.argv[3]); conns=int(sys.argv[4]); reply=b"VALUE a 0 1\r\nx\r\nEND\r\n"
    def cpu():
        f=open("/proc/%s/stat"%sys.argv[5]).read().split(")")[1].split(); return (int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK")
    def one():
        s=conn(); s.settimeout(60); got=[0]
        def rd():
            while got[0]<n*len(reply):
                d=s.recv(1<<20)
                if not d: break
                got[0]+=len(d)
        r=threading.Thread(target=rd); r.start()
        for i in range(n//10000): s.sendall(b"get a\r\n"*10000)
        r.join(60); s.close()
    s=conn(); s.sendall(b"set a 0 0 1\r\nx\r\n"); s.recv(100); s.close()
    c0=cpu(); t0=time.time(); ths=[threading.Thread(target=one) for i in range(conns)]
    for t in ths: t.start()
    for t in ths: t.join()
    dt=time.time()-t0; used=cpu()-c0
    print("%d x %d gets: %.2f s, %.0f req/s, server CPU %.2f us/req"%(conns,n,dt,conns*n/dt,used*1e6/(conns*n)))
if mode=="biggets":
    # One client repeats a get of 100,000 keys (a 600 KB line over 1,000 items) and reads each reply whole; the
    # bystander's `version` round trips meanwhile.
    s=conn(); v=int(sys.argv[4])
    for i in range(1000): s.sendall(b"set k%04d 0 0 %d noreply\r\n%s\r\n"%(i,v,b"x"*v))
    s.sendall(b"version\r\n"); s.recv(100)
    line=b"get "+b" ".join(b"k%04d"%(i%1000) for i in range(100000))+b"\r\n"; stop=[False]; n=[0]
    def greedy():
        while not stop[0]:
            s.sendall(line); tail=b""
            while not tail.endswith(b"END\r\n"):
                d=s.recv(1<<20)
                if not d: return
                tail=(tail+d)[-8:]
            n[0]+=1
    threading.Thread(target=greedy,daemon=True).start()
    bystander=latencies(b"version\r\n", float(sys.argv[3])); stop[0]=True
    print("multi-gets %d; bystander version: %s"%(n[0], bystander))
if mode=="binpipeline":
    # As pipeline, in the binary protocol: GETs of one key in 1 MiB writes; the bystander's binary VERSION round trips.
    import struct
    def breq(op,key=b"",extras=b"",val=b""):
        body=extras+key+val
        return struct.pack(">BBHBBHIIQ",0x80,op,len(key),len(extras),0,0,len(body),0,0)+body
    s=conn(); s.sendall(breq(0x01,b"a",struct.pack(">II",0,0),b"x")); s.recv(100)
    print("bystander binary version:", flood(s, breq(0x00,b"a")*((1<<20)//25), float(sys.argv[3]), breq(0x0b)))
if mode=="manynoread":
    # N connections each ask for 100 values of 100 KB (10 MB) with a 4 KiB receive buffer and never read; the
    # bystander sends `version` from 127.0.0.2 every 250 ms for 10 s.
    s=conn(); v=b"x"*100000
    for i in range(100): s.sendall(b"set big%d 0 0 100000 noreply\r\n"%i+v+b"\r\n")
    s.sendall(b"version\r\n"); s.recv(100)
    line=b"get "+b" ".join(b"big%d"%i for i in range(100))+b"\r\n"; socks=[]
    for i in range(int(sys.argv[3])):
        try:
            c=socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); c.bind(("127.0.0.1",0))
            c.connect(("127.0.0.1",port)); c.sendall(line); socks.append(c)
        except Exception as e: print("connection", i, e); break
    fails=0
    for k in range(40):
        t,o=req(b"version\r\n", b"\r\n", timeout=5)
        if not o.endswith(b"\r\n") or b"VERSION" not in o: fails+=1
        time.sleep(0.25)
    print("opened", len(socks), "; bystander failures", fails, "of 40")
    for c in socks: c.close()
if mode=="dump":
    # ITEMS items, then one client asks for `lru_crawler metadump all` three times and reads each dump as fast as it
    # comes; the bystander's `version` round trips meanwhile.
    s=conn(); n=int(sys.argv[3])
    s.sendall(b"".join(b"set key:%08d 0 0 10 noreply\r\n0123456789\r\n"%i for i in range(n))+b"version\r\n")
    d=b""
    while b"VERSION" not in d: d+=s.recv(100)
    done=[False]; got=[0]
    def dumper():
        for k in range(3):
            s.sendall(b"lru_crawler metadump all\r\n"); tail=b""
            while not tail.endswith(b"END\r\n"):
                d=s.recv(1<<20)
                if not d: return
                got[0]+=len(d); tail=(tail+d)[-8:]
        done[0]=True
    t0=time.time(); threading.Thread(target=dumper,daemon=True).start()
    bystander=latencies(b"version\r\n", 60, busy=lambda: not done[0])
    print("3 dumps (%d MB) in %.1f s; bystander version: %s"%(got[0]>>20, time.time()-t0, bystander))
