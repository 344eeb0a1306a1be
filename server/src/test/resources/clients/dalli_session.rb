# One Dalli session (Debian's ruby-dalli 3.0, binary protocol): every call's result, one line each, for
# ScriptClientsTest to compare between memcached and Bastion. Usage: ruby dalli_session.rb PORT
require 'dalli'
port = ARGV[0]
$out = []
def rec(name)
  v = yield
  $out << "#{name} #{v.inspect}"
rescue => e
  $out << "#{name} EXC #{e.class}: #{e.message}"
end
c = Dalli::Client.new("127.0.0.1:#{port}", socket_timeout: 5, compress: false)
rec('flush') { c.flush }
rec('set') { c.set('k1', 'v1', 0, raw: true).is_a?(Integer) }
rec('get') { c.get('k1') }
rec('set_obj') { c.set('obj', { 'a' => [1, 2] }) ? true : false }
rec('get_obj') { c.get('obj') }
rec('add_exists') { c.add('k1', 'x', 0, raw: true) }
rec('add_new') { c.add('k3', 'x', 0, raw: true) ? true : false }
rec('replace_missing') { c.replace('zz', 'x', 0, raw: true) }
rec('append') { c.append('k1', 'A') ? true : false }
rec('prepend') { c.prepend('k1', 'P') ? true : false }
rec('get_after') { c.get('k1') }
rec('get_multi') { c.get_multi('k1', 'k3', 'nope').sort }
rec('cas') { c.cas('k1') { |v| v + 'C' } ? true : false }
rec('cas_missing') { c.cas('missing') { |v| 'x' } }
rec('get_cas') { c.get('k1') }
rec('incr_create') { c.incr('n', 5, 0, 10) }
rec('incr') { c.incr('n', 5) }
rec('decr') { c.decr('n', 100) }
rec('incr_missing') { c.incr('nothere', 1) }
rec('touch') { c.touch('k1', 100) }
rec('touch_missing') { c.touch('nothere', 100) }
rec('gat') { c.respond_to?(:gat) ? c.gat('k1', 100) : 'n/a' }
rec('delete') { c.delete('k3') }
rec('delete_missing') { c.delete('k3') }
rec('big') { c.set('big', 'x' * 500_000, 0, raw: true) ? c.get('big').size : 'notstored' }
rec('too_big') { c.set('huge', 'x' * 2_000_000, 0, raw: true) }
rec('fetch') { c.fetch('f1') { 'computed' } }
rec('fetch_again') { c.fetch('f1') { 'other' } }
rec('version') { c.version.values.first.class }
rec('stats') { s = c.stats.values.first; [s.key?('curr_items'), s.key?('cmd_get')] }
rec('stats_items') { c.stats(:items).values.first.class }
rec('reset_stats') { c.reset_stats }
rec('multi') { c.multi { c.set('m1', '1', 0, raw: true); c.set('m2', '2', 0, raw: true) }; c.get_multi('m1', 'm2').sort }
puts $out
