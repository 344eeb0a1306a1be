package org.bastion.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bastion.command.Command;
import org.bastion.command.Executor;
import org.bastion.command.Outcome;
import org.bastion.policy.Session;
import org.bastion.store.Key;
import org.bastion.store.Store;

/**
 * An {@link Executor} for translator tests: it records every {@link Command} it is given (copied, since a get and its
 * key are reused per connection) and answers with a fixed, harmless outcome per kind of command: a miss for reads,
 * a read-only refusal for writes, so every translator has a reply to render. Expiry deadlines are the exptime itself,
 * so expected commands can be written down.
 */
public final class RecordingExecutor implements Executor {
    private final List<Command> commands = new ArrayList<>();
    private final int maxItemSize;

    public RecordingExecutor(int maxItemSize) {
        this.maxItemSize = maxItemSize;
    }

    /** What was executed so far, in order; clears the record. */
    public List<Command> take() {
        List<Command> out = List.copyOf(commands);
        commands.clear();
        return out;
    }

    @Override
    public Outcome execute(Session session, Command command) {
        commands.add(copy(command));
        if (command instanceof Command.Get) {
            return Outcome.Done.MISS;
        }
        if (command instanceof Command.MetaGet) {
            // A meta get always reads, even on a miss: the result carries the bookkeeping its flags print.
            return new Outcome.Read(new Store.ReadResult(null, false, 0, 0, false, false, false));
        }
        if (command instanceof Command.Stats) {
            return Outcome.Done.UNKNOWN_STATS;
        }
        if (command instanceof Command.Verbosity) {
            return Outcome.Done.OK;
        }
        return Outcome.Refused.READ_ONLY;
    }

    private static Command copy(Command command) {
        if (command instanceof Command.Get g) {
            Key key = copy(g.key());
            return g.touches() ? new Command.Get().touch(key, g.exptime()) : new Command.Get().read(key);
        }
        if (command instanceof Command.MetaGet m) {
            return new Command.MetaGet(copy(m.key()), m.options(), m.writes());
        }
        return command;
    }

    /** A key of its own, whatever reused probe the translator aimed at it. */
    private static Key copy(Key key) {
        return Key.of(key.toString().getBytes(StandardCharsets.ISO_8859_1)); // toString is the bytes, one char each
    }

    @Override
    public int maxItemSize() {
        return maxItemSize;
    }

    @Override
    public long deadline(long exptime) {
        return exptime;
    }

    @Override
    public long nanoTime() {
        return 0;
    }
}
