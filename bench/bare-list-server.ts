/**
 * The baseline for bench/api-list.ts: a bare Fastify server whose one handler runs the same queries as
 * GET /api/v1/admin/users (a page of users, newest first, and the total) with node-postgres, and nothing else —
 * no auth, no validation, no logging, no rate limit.
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const app = Fastify({ logger: false });
  app.get('/users', async (request) => {
    const query = request.query as { limit?: string; offset?: string };
    const limit = Math.min(100, Number(query.limit ?? 20));
    const offset = Number(query.offset ?? 0);
    const [page, count] = await Promise.all([
      pool.query(
        'select id, email, username, display_name, role, is_active, email_verified_at, two_factor_enabled_at, last_login_at, created_at from users order by created_at desc, id desc limit $1 offset $2',
        [limit, offset],
      ),
      pool.query('select count(*)::int as total from users'),
    ]);
    return { items: page.rows, total: (count.rows[0] as { total: number }).total, limit, offset };
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
}

void main();
