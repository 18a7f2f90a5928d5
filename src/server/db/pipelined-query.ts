import pg from 'pg';

/**
 * The wire connection node-pg hands a query's `submit`: the few extended-protocol messages used
 * here. node-pg's own types do not describe it, so this is the shape we rely on (pg 8).
 */
interface WireConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parsedStatements: Record<string, string | undefined>;
  parse(msg: { text: string; name?: string; types?: unknown[] }): void;
  bind(msg: { portal?: string; statement?: string; values?: unknown[] }): void;
  execute(msg: { portal?: string; rows?: number }): void;
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
}

/** node-pg's Query as this module uses it (its `submit` and handlers are untyped in @types/pg). */
interface QueryInternals {
  name?: string;
  text?: string;
  submit(connection: WireConnection): Error | null;
  hasBeenParsed(connection: WireConnection): boolean;
  handleCommandComplete(msg: unknown, connection: WireConnection): void;
  handleError(err: unknown, connection: WireConnection): void;
  handleReadyForQuery(connection: WireConnection): void;
}
const QueryBase = pg.Query as unknown as new (config: pg.QueryConfig) => QueryInternals;

/**
 * A parameterised statement sent together with statements that must run just before it, in one
 * write and one round trip: `lead` (parameterless, no rows, such as `begin` and `set local …`) go
 * as Parse/Bind/Execute of the unnamed statement ahead of the statement's own messages, and one
 * Sync ends them all. A BEGIN inside the pipeline turns its implicit transaction into the
 * explicit block the caller goes on with (PostgreSQL: a BEGIN in an implicit transaction block
 * starts a regular one), so `begin` + the transaction's first statement cost one round trip
 * instead of two; on a small VM each round trip is a wakeup of the backend and of the server, about
 * 0.2 ms of CPU on each side (bench/README.md, "Round 25").
 *
 * If a lead statement fails, the backend skips the rest until Sync and the query rejects with that
 * error, as if it had been sent alone first.
 */
class PipelinedQuery extends QueryBase {
  private skip: number;
  /** ParseComplete messages seen, while the statement's own Parse is among those sent. */
  private parses = 0;
  private onParse: (() => void) | undefined;

  constructor(
    config: pg.QueryConfig,
    private readonly lead: readonly string[],
  ) {
    super(config);
    this.skip = lead.length;
  }

  override submit(connection: WireConnection): Error | null {
    if (this.name && !this.hasBeenParsed(connection)) {
      // node-pg marks a named statement parsed at any ParseComplete while it is active, the lead's
      // included: count them, to undo that mark if the statement's own Parse then fails.
      this.onParse = () => void this.parses++;
      connection.on('parseComplete', this.onParse);
    }
    connection.stream.cork?.();
    try {
      for (const text of this.lead) {
        connection.parse({ text, name: '' });
        connection.bind({ portal: '', statement: '', values: [] });
        connection.execute({ portal: '', rows: 0 });
      }
      // The statement's own Parse/Bind/Describe/Execute/Sync; node-pg corks again inside (nested corks are counted).
      return super.submit(connection);
    } finally {
      connection.stream.uncork?.();
    }
  }

  /** The lead's CommandComplete messages come first; they carry no result of the statement's. */
  override handleCommandComplete(msg: unknown, connection: WireConnection): void {
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    super.handleCommandComplete(msg, connection);
  }

  override handleError(err: unknown, connection: WireConnection): void {
    if (this.onParse) {
      connection.off('parseComplete', this.onParse);
      this.onParse = undefined;
      // Its own ParseComplete never came: the server has no such prepared statement.
      if (this.parses <= this.lead.length && this.name) delete connection.parsedStatements[this.name];
    }
    super.handleError(err, connection);
  }

  override handleReadyForQuery(connection: WireConnection): void {
    if (this.onParse) connection.off('parseComplete', this.onParse);
    this.onParse = undefined;
    super.handleReadyForQuery(connection);
  }
}

/**
 * Runs `config` on `client` with `lead` sent ahead of it in the same round trip (see
 * PipelinedQuery). The statement goes over the extended protocol, so it must be a single statement.
 */
export function queryPipelined(client: pg.PoolClient, config: pg.QueryConfig, lead: readonly string[]): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const callback = (err: Error | null, res?: pg.QueryResult) => (err ? reject(err) : resolve(res!));
    const q = new PipelinedQuery({ ...config, queryMode: 'extended', callback } as pg.QueryConfig, lead);
    // A submittable: node-pg calls its submit() when the connection is free.
    client.query(q as unknown as pg.QueryConfig);
  });
}
