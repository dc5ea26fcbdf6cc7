import { loadConfig } from '../config';

describe('Redis configuration: one server (REDIS_URL) or a cluster (REDIS_CLUSTER_NODES)', () => {
  test('REDIS_URL names one server; nothing set means no Redis', () => {
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379' }).REDIS).toBe('redis://redis:6379');
    expect(loadConfig({}).REDIS).toBeUndefined();
  });

  test('REDIS_CLUSTER_NODES is parsed once into the nodes of a cluster (names, IPv4, bracketed IPv6)', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: ' redis-1:6379, 10.0.0.2:7000,[::1]:7001 ' });
    expect(config.REDIS).toEqual({
      cluster: [
        { host: 'redis-1', port: 6379 },
        { host: '10.0.0.2', port: 7000 },
        { host: '::1', port: 7001 },
      ],
    });
  });

  test('every bad node is named, with the other errors of the environment', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-1:6379,redis-2,redis-3:70000,:6379', PORT: 'x' })).toThrow(
      /PORT[\s\S]*"redis-2" is not host:port[\s\S]*"redis-3:70000" is not host:port[\s\S]*":6379" is not host:port/,
    );
  });

  test('both set is a configuration error that says which to keep', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://redis:6379', REDIS_CLUSTER_NODES: 'redis-1:6379' })).toThrow(
      /REDIS_URL, REDIS_CLUSTER_NODES: set one \(one Redis server, or the nodes of a Redis Cluster\), not both/,
    );
  });
});
