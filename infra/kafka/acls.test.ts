import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { aclEntries, aclKey } from './acls';

describe('Kafka ACL entries from grants', () => {
  it('makes one ALLOW entry per operation, for the user from any host, with the pattern asked for', () => {
    const entries = aclEntries('oms-risk', [
      { resource: 'topic', name: 'prices', pattern: 'literal', operations: ['READ'] },
      { resource: 'group', name: 'risk-prices-', pattern: 'prefixed', operations: ['READ', 'DELETE'] },
      { resource: 'cluster', name: 'kafka-cluster', pattern: 'literal', operations: ['DESCRIBE'] },
    ]);
    expect(entries).toEqual([
      { resourceType: AclResourceTypes.TOPIC, resourceName: 'prices', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:oms-risk', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
      { resourceType: AclResourceTypes.GROUP, resourceName: 'risk-prices-', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:oms-risk', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
      { resourceType: AclResourceTypes.GROUP, resourceName: 'risk-prices-', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:oms-risk', host: '*', operation: AclOperationTypes.DELETE, permissionType: AclPermissionTypes.ALLOW },
      { resourceType: AclResourceTypes.CLUSTER, resourceName: 'kafka-cluster', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:oms-risk', host: '*', operation: AclOperationTypes.DESCRIBE, permissionType: AclPermissionTypes.ALLOW },
    ]);
  });

  it('refuses an empty prefix (it would match every name) and a cluster under another name', () => {
    expect(() => aclEntries('u', [{ resource: 'group', name: '', pattern: 'prefixed', operations: ['READ'] }])).toThrow('non-empty prefix');
    expect(() => aclEntries('u', [{ resource: 'cluster', name: 'mine', pattern: 'literal', operations: ['ALTER'] }])).toThrow('kafka-cluster');
  });

  it('keys an entry by every field, by name, so entries that differ only in the resource type or operation differ', () => {
    const [topicRead, groupRead] = aclEntries('u', [
      { resource: 'topic', name: 'p-', pattern: 'prefixed', operations: ['READ'] },
      { resource: 'group', name: 'p-', pattern: 'prefixed', operations: ['READ'] },
    ]);
    expect(aclKey(topicRead!)).toBe('User:u|*|TOPIC|PREFIXED|p-|READ|ALLOW');
    expect(aclKey(groupRead!)).toBe('User:u|*|GROUP|PREFIXED|p-|READ|ALLOW');
    const cluster = aclEntries('u', [{ resource: 'cluster', name: 'kafka-cluster', pattern: 'literal', operations: ['CREATE', 'ALTER'] }]);
    expect(new Set(cluster.map(aclKey)).size).toBe(2);
  });
});
