import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.channel.Channel;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.h2.mvstore.MVMap;

/**
 * Starts mongo-java-server with its persistent H2 (MVStore) backend on 127.0.0.1.
 *
 * Usage: java -cp 'libs/*' Launcher <port> <data-file>
 *
 * Three things the stock server does not do, needed by this project:
 * - it reports wire version 17 (MongoDB 6.0): the built-in versions report wire 8, which the
 *   Node.js `mongodb` driver 7 refuses ("requires at least 9");
 * - it commits the MVStore after every command, so an acknowledged write survives kill -9
 *   (without it, a kill right after 500 acknowledged inserts kept 34 of them);
 * - a filter with an `_id` equality (or `_id: {$in: [...]}`) and more fields (`{_id, version: {$lt: v}}`,
 *   `{_id, accountId}`: every compare-and-set and versioned upsert) finds its documents through the `_id` index, then checks the rest,
 *   as MongoDB's planner does. The stock server uses an index only when the filter has exactly the index's
 *   fields, so those filters scanned the whole collection: a cost per write that grew with the collection.
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
    protected MongoDatabase openOrCreateDatabase(String name) {
      return new IdFirstH2Database(name, getMvStore(), getCursorRegistry());
    }

    /** H2Database with IdFirstH2Collection; the maps are named as H2Database names them, so existing files open unchanged. */
    final class IdFirstH2Database extends H2Database {
      IdFirstH2Database(String name, org.h2.mvstore.MVStore store, CursorRegistry cursors) { super(name, store, cursors); }

      @Override
      protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
        // Called from H2Database's constructor too: the store comes from the enclosing backend, never a field of this class.
        String namespace = getFullCollectionNamespace(collectionName);
        MVMap<Object, Document> data = getMvStore().openMap("databases." + namespace);
        MVMap<String, Object> meta = getMvStore().openMap("meta." + namespace);
        return new IdFirstH2Collection(this, collectionName, options, data, meta, cursorRegistry);
      }
    }

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

  /** Answers a filter of `_id` (an equality or `$in`) and other fields from the `_id` index: only the documents it names are matched against the whole filter. */
  static final class IdFirstH2Collection extends H2Collection {
    IdFirstH2Collection(MongoDatabase db, String name, CollectionOptions options, MVMap<Object, Document> data, MVMap<String, Object> meta, CursorRegistry cursors) {
      super(db, name, options, data, meta, cursors);
    }

    @Override
    protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document projection) {
      Object id = query.get("_id");
      if (query.size() > 1 && (isPlainValue(id) || isInList(id))) {
        Document byId = new Document("_id", id);
        for (Index<Object> index : getIndexes()) {
          if (index.isUnique() && index.getKeys().size() == 1 && index.canHandle(byId)) {
            return matchDocuments(query, index.getPositions(byId), orderBy, skip, limit, batchSize, projection);
          }
        }
      }
      return super.queryDocuments(query, orderBy, skip, limit, batchSize, projection);
    }

    /** A value an equality compares with (not an operator document, an array or a regular expression). */
    private static boolean isPlainValue(Object value) {
      return value instanceof String || value instanceof Number || value instanceof ObjectId || value instanceof UUID;
    }

    /** `{$in: [plain values]}`, which the `_id` index answers one value at a time. */
    private static boolean isInList(Object value) {
      return value instanceof Document operator
          && operator.size() == 1
          && operator.get("$in") instanceof Collection<?> values
          && values.stream().allMatch(IdFirstH2Collection::isPlainValue);
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
