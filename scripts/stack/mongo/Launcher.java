import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.channel.Channel;
import java.util.List;

/**
 * Starts mongo-java-server with its persistent H2 (MVStore) backend on 127.0.0.1.
 *
 * Usage: java -cp 'libs/*' Launcher <port> <data-file>
 *
 * Two things the stock server does not do, both needed by this project:
 * - it reports wire version 17 (MongoDB 6.0): the built-in versions report wire 8, which the
 *   Node.js `mongodb` driver 7 refuses ("requires at least 9");
 * - it commits the MVStore after every command, so an acknowledged write survives kill -9
 *   (without it, a kill right after 500 acknowledged inserts kept 34 of them).
 */
public final class Launcher {
  private static final MongoVersion MONGO_6_0 = new MongoVersion() {
    @Override public List<Integer> getVersionArray() { return List.of(6, 0, 0); }
    @Override public int getWireVersion() { return 17; }
  };

  /** An H2 backend that makes every acknowledged command durable before it answers. */
  static final class DurableH2Backend extends H2Backend {
    DurableH2Backend(String file) { super(file); }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
      try {
        return super.handleCommand(channel, database, command, query);
      } finally {
        commit();
      }
    }

    @Override
    public Document handleMessage(MongoMessage message) {
      try {
        return super.handleMessage(message);
      } finally {
        commit();
      }
    }
  }

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: Launcher <port> <data-file>");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    DurableH2Backend backend = new DurableH2Backend(args[1]);
    backend.version(MONGO_6_0);
    MongoServer server = new MongoServer(backend);
    server.bind("127.0.0.1", port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "mongo-shutdown"));
    System.out.println("mongo-java-server 1.47.0 (H2 backend) listening on 127.0.0.1:" + port + " file " + args[1]);
  }
}
