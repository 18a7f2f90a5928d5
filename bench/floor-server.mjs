// The bench's HTTP floor (bench/floor.ts): a bare fastify route that parses a JSON POST and answers
// 201 with a small JSON body, as ingest does, and nothing else. No database, no auth, no audit.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/floor', async (req, reply) => {
  const body = /** @type {{ readings?: unknown[] }} */ (req.body);
  reply.code(201);
  return { accepted: Array.isArray(body?.readings) ? body.readings.length : 0, duplicates: 0 };
});
const addr = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${addr}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
