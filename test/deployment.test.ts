import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtEntry, GATEWAY_NODE_FLAGS } from '../tools/build';
import { parse as parseYaml } from 'yaml';
import { GATEWAY_VARIABLES, loadGatewayConfig } from '../gateway/config';
import { REPO_ROOT } from '../hub/processes';
import { loadConfig, urlVariable } from '../shared/config';
import { servingRoles, subgraphRole } from '../hub/roles';
import { subgraphs } from '../subgraphs';

/**
 * docker-compose.yml is the production sketch (README: Running at national scale): it gives the
 * hub's own services only variables the hub reads, valid ones, and its load balancer's
 * configuration (deploy/haproxy.cfg) matches the gateway replicas and their drain time.
 */
interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = parseYaml(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const haproxy = readFileSync(join(REPO_ROOT, 'deploy', 'haproxy.cfg'), 'utf8');

/** The services that run this repository's code (built from its Dockerfile). */
const hubServices = Object.entries(compose.services).filter(([, s]) => s.build === '.');
const commandOf = (s: ComposeService) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));
const gatewayServices = hubServices.filter(([, s]) => commandOf(s).includes('dist/gateway/index.js'));
const subgraphServices = subgraphs.map((s) => [s.name, compose.services[s.name]!] as const);

/** Whether the hub reads `name`: a setting of shared/config.ts or gateway/config.ts (kept when parsed), or a subgraph's URL variable. */
function hubReads(name: string, value: string): boolean {
  if (subgraphs.some((s) => urlVariable(s.name) === name) || GATEWAY_VARIABLES.includes(name)) return true;
  try {
    return name in loadGatewayConfig({ [name]: value }, subgraphs);
  } catch (error) {
    // A value it refuses: a variable it reads (the whole environment's validity is checked below).
    return (error as Error).message.includes(`  ${name}:`);
  }
}

describe('docker-compose.yml, the production sketch', () => {
  it('runs the hub as gateway replicas behind HAProxy, each subgraph apart, a migration job, PostgreSQL primary + replica + PgBouncer and a Redis Cluster', () => {
    expect(gatewayServices.map(([name]) => name)).toEqual(['gateway-1', 'gateway-2']);
    expect(compose.services.lb?.image).toMatch(/^haproxy:/);
    expect(compose.services.lb?.volumes).toContain('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    for (const [name, service] of subgraphServices)
      expect([name, commandOf(service)]).toEqual([
        name,
        expect.stringContaining(builtEntry(relative(REPO_ROOT, subgraphs.find((s) => s.name === name)!.entrypoint))),
      ]);
    expect(commandOf(compose.services['postgres-replica']!)).toContain('pg_basebackup');
    expect(Object.keys(compose.services).filter((name) => /^redis-\d+$/.test(name))).toHaveLength(6);
    expect(commandOf(compose.services['redis-cluster']!)).toContain('--cluster-replicas 1');
    expect(commandOf(compose.services.migrate!)).toMatch(/^node dist\/cli\/index\.js migrate --roles$/);
    // Every service of the hub runs the build (npm run build, the Dockerfile), not TypeScript through tsx.
    for (const [name, service] of gatewayServices)
      expect([name, service.command?.slice(0, -1)]).toEqual([name, ['node', ...GATEWAY_NODE_FLAGS]]);
    expect(hubServices.filter(([, s]) => /tsx|\.ts\b/.test(commandOf(s))).map(([name]) => name)).toEqual([]);
  });

  it('gives the hub’s services only variables the hub reads', () => {
    const unknown = new Map<string, string[]>();
    for (const [service, s] of hubServices)
      for (const [name, value] of Object.entries(s.environment ?? {}))
        if (!hubReads(name, String(value))) unknown.set(name, [...(unknown.get(name) ?? []), service]);
    expect(
      [...unknown].map(
        ([name, services]) => `${name} (given to ${services.join(', ')}) is read by neither shared/config.ts nor gateway/config.ts`,
      ),
    ).toEqual([]);
  });

  it('gives the hub’s services valid values (each environment parsed as the gateway parses its own)', () => {
    const refused = hubServices.flatMap(([service, s]) => {
      try {
        loadGatewayConfig(Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)])), subgraphs);
        return [];
      } catch (error) {
        return [`${service}: ${(error as Error).message}`];
      }
    });
    expect(refused).toEqual([]);
  });

  it('connects the serving processes through PgBouncer with their own role, reads to the replica, and only the migration job as the owner', () => {
    for (const [name, s] of subgraphServices) {
      // Each subgraph's own role, as the migration job creates and grants it (hub/roles.ts).
      const role = subgraphRole(
        loadConfig({}).DATABASE_ROLE_PREFIX,
        subgraphs.find((m) => m.name === name)!,
      );
      expect([name, s.environment?.DATABASE_URL]).toEqual([
        name,
        expect.stringMatching(new RegExp(`^postgres://${role}:[^@]+@pgbouncer:6432/lienthong$`)),
      ]);
      expect([name, s.environment?.DATABASE_REPLICA_URL]).toEqual([
        name,
        expect.stringMatching(new RegExp(`^postgres://${role}:[^@]+@pgbouncer:6432/lienthong_replica$`)),
      ]);
      expect([name, s.environment?.REDIS_CLUSTER_NODES?.split(',')]).toEqual([
        name,
        expect.arrayContaining(['redis-1:6379', 'redis-6:6379']),
      ]);
    }
    const owners = hubServices.filter(([, s]) => s.environment?.DATABASE_OWNER_URL).map(([name]) => name);
    expect(owners).toEqual(['migrate']);
    // Gateways read the published documents as their own read-only role; the job sets every serving role's password.
    for (const [name, s] of gatewayServices)
      expect([name, s.environment?.DATABASE_URL]).toEqual([name, expect.stringMatching(/^postgres:\/\/lien_thong_gateway:/)]);
    const passwords = Object.keys(
      loadConfig(compose.services.migrate!.environment as Record<string, string>).DATABASE_ROLE_PASSWORDS ?? {},
    );
    expect(passwords.sort()).toEqual(
      servingRoles(loadConfig({}).DATABASE_ROLE_PREFIX)
        .map((g) => g.role)
        .sort(),
    );
    const pgbouncer = readFileSync(join(REPO_ROOT, 'deploy', 'pgbouncer', 'pgbouncer.ini'), 'utf8');
    expect(pgbouncer).toMatch(/^pool_mode = transaction$/m);
    expect(pgbouncer).toMatch(/^lienthong = host=postgres /m);
    expect(pgbouncer).toMatch(/^lienthong_replica = host=postgres-replica /m);
    // No serving role in PgBouncer's userlist: their passwords are looked up on the server.
    expect(pgbouncer).toMatch(/^auth_query = /m);
    expect(readFileSync(join(REPO_ROOT, 'deploy', 'pgbouncer', 'userlist.txt'), 'utf8').trim()).toBe('"pgbouncer_auth" "pgbouncer_auth"');
  });

  it('lists every gateway replica in deploy/haproxy.cfg, each draining longer than HAProxy takes to see its /ready turn 503', () => {
    const servers = [...haproxy.matchAll(/^\s*server (\S+) "\$\{(\w+)\}"/gm)].map((m) => [m[1], m[2]]);
    expect(servers.map(([name]) => name)).toEqual(gatewayServices.map(([name]) => name));
    for (const [name, variable] of servers) expect(haproxy).toContain(`presetenv ${variable} ${name}:4000`);
    const check = /default-server check inter (\d+)(m?s) fastinter (\d+)(m?s) .*fall (\d+)/.exec(haproxy);
    expect(check).not.toBeNull();
    const ms = (value: string, unit: string) => Number(value) * (unit === 's' ? 1000 : 1);
    const detection = ms(check![1]!, check![2]!) + Number(check![5]) * ms(check![3]!, check![4]!);
    const short = gatewayServices.filter(([, s]) => !(Number(s.environment?.SHUTDOWN_DRAIN_MS) > detection)).map(([name]) => name);
    expect(short).toEqual([]);
    expect(haproxy).toMatch(/http-check send meth GET uri \/ready/);
  });
});
