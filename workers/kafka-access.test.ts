import { loadConfig } from '../infra/config';
import { kafkaAccess, kafkaGrantsByUser, parseKafkaAclUsers } from './kafka-access';

const USERS = { api: 'a', worker: 'w', risk: 'r', venue: 'v', 'market-data': 'm' };

describe('KAFKA_ACL_USERS', () => {
  it('is undefined when not set, and the users when every service has its own', () => {
    expect(parseKafkaAclUsers(undefined, 'admin')).toBeUndefined();
    expect(parseKafkaAclUsers(' ', 'admin')).toBeUndefined();
    expect(parseKafkaAclUsers(JSON.stringify(USERS), 'admin')).toEqual(USERS);
  });

  it.each([
    ['not JSON', '{api:', 'must be JSON'],
    ['a service missing', JSON.stringify({ ...USERS, risk: undefined }), 'risk'],
    ['an unknown service', JSON.stringify({ ...USERS, bench: 'b' }), 'bench'],
    ['a name Kafka users cannot have', JSON.stringify({ ...USERS, api: 'a b' }), 'must be a Kafka user name'],
    ['two services on one user', JSON.stringify({ ...USERS, venue: 'w' }), 'worker and venue share the user w'],
    ['a service on the admin user', JSON.stringify({ ...USERS, api: 'admin' }), 'api is the admin user admin'],
  ])('refuses %s', (_what, given, message) => {
    expect(() => parseKafkaAclUsers(given, 'admin')).toThrow(message);
  });
});

describe('the access table', () => {
  const config = loadConfig({ KAFKA_PREFIX: 'p-' });

  it('gives the admin everything under the prefix, and the cluster rights to create topics and manage ACLs', () => {
    expect(kafkaAccess(config).admin).toEqual([
      { resource: 'topic', name: 'p-', pattern: 'prefixed', operations: ['ALL'] },
      { resource: 'group', name: 'p-', pattern: 'prefixed', operations: ['ALL'] },
      { resource: 'cluster', name: 'kafka-cluster', pattern: 'literal', operations: ['CREATE', 'DESCRIBE', 'ALTER', 'DESCRIBE_CONFIGS'] },
    ]);
    expect(kafkaAccess(loadConfig({})).admin.slice(0, 2)).toEqual([
      { resource: 'topic', name: '*', pattern: 'literal', operations: ['ALL'] },
      { resource: 'group', name: '*', pattern: 'literal', operations: ['ALL'] },
    ]);
  });

  it('names only topics and groups under the prefix, for every service', () => {
    for (const grants of Object.values(kafkaAccess(config))) {
      for (const grant of grants) if (grant.resource !== 'cluster') expect(grant.name.startsWith('p-')).toBe(true);
    }
  });

  it('puts each service under its user and the admin under the job\'s', () => {
    const access = kafkaAccess(config);
    const byUser = kafkaGrantsByUser(access, USERS, 'admin');
    expect([...byUser.keys()]).toEqual(['admin', 'a', 'w', 'r', 'v', 'm']);
    expect(byUser.get('v')).toBe(access.venue);
  });
});
