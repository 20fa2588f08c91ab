import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Admin } from 'kafkajs';

/**
 * Kafka ACLs as the system states them: per principal, what it may do on which topics, consumer groups and the
 * cluster. `applyKafkaAcls` makes the broker hold exactly these for the principals named (it adds what is missing and
 * removes what a principal holds beyond them), so the table in code is the whole truth and a revoked grant goes away.
 */
export type KafkaOperation = 'ALL' | 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'ALTER' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS';

export interface KafkaGrant {
  readonly resource: 'topic' | 'group' | 'cluster';
  /** A topic or group name, a name prefix (`pattern: 'prefixed'`), `*` for every one; `kafka-cluster` for the cluster. */
  readonly name: string;
  readonly pattern: 'literal' | 'prefixed';
  readonly operations: readonly KafkaOperation[];
}

export const CLUSTER_RESOURCE = 'kafka-cluster';

const RESOURCE_TYPES = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP, cluster: AclResourceTypes.CLUSTER } as const;
const PATTERN_TYPES = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;

function kafkaPrincipal(username: string): string {
  return `User:${username}`;
}

/** The ALLOW entries of one principal's grants, from any host. */
export function aclEntries(username: string, grants: readonly KafkaGrant[]): AclEntry[] {
  return grants.flatMap((grant) => {
    if (grant.pattern === 'prefixed' && grant.name === '') throw new Error(`a prefixed ${grant.resource} grant needs a non-empty prefix`);
    if (grant.resource === 'cluster' && grant.name !== CLUSTER_RESOURCE) throw new Error(`the cluster's resource name is ${CLUSTER_RESOURCE}`);
    return grant.operations.map((operation) => ({
      resourceType: RESOURCE_TYPES[grant.resource],
      resourceName: grant.name,
      resourcePatternType: PATTERN_TYPES[grant.pattern],
      principal: kafkaPrincipal(username),
      host: '*',
      operation: AclOperationTypes[operation],
      permissionType: AclPermissionTypes.ALLOW,
    }));
  });
}

/** kafkajs's enums are plain objects at run time (name → code): the name of a code. */
function nameOf(values: Record<string, number | string>, code: number): string {
  return Object.entries(values).find(([, value]) => value === code)?.[0] ?? `code ${code}`;
}

/** One entry as a comparable string (the broker answers with the same fields). */
export function aclKey(entry: AclEntry): string {
  return [
    entry.principal,
    entry.host,
    nameOf(AclResourceTypes, entry.resourceType),
    nameOf(ResourcePatternTypes, entry.resourcePatternType),
    entry.resourceName,
    nameOf(AclOperationTypes, entry.operation),
    nameOf(AclPermissionTypes, entry.permissionType),
  ].join('|');
}

export interface AclChanges {
  /** Entries the broker lacked and now holds. */
  readonly created: string[];
  /** Entries the principals held beyond their grants, now removed. */
  readonly deleted: string[];
  /** Entries already as wanted. */
  readonly kept: number;
}

/** What each named principal holds now (every resource, pattern, operation and permission). */
async function describePrincipalAcls(admin: Admin, username: string): Promise<AclEntry[]> {
  const answer = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    principal: kafkaPrincipal(username),
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  // kafkajs throws on an error code and answers only the resources.
  return answer.resources.flatMap((resource) =>
    resource.acls.map((acl) => ({
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      resourcePatternType: resource.resourcePatternType,
      principal: acl.principal,
      host: acl.host,
      operation: acl.operation,
      permissionType: acl.permissionType,
    })),
  );
}

/**
 * Makes the broker hold exactly `grants` for each principal named in it: creates the missing entries first (a running
 * service never loses a grant it keeps), then deletes the ones not granted. Idempotent: a second run changes nothing.
 * Principals not named are not touched.
 */
export async function applyKafkaAcls(admin: Admin, grants: ReadonlyMap<string, readonly KafkaGrant[]>): Promise<AclChanges> {
  const created: string[] = [];
  const deleted: string[] = [];
  let kept = 0;
  for (const [username, principalGrants] of grants) {
    const wanted = new Map(aclEntries(username, principalGrants).map((entry) => [aclKey(entry), entry]));
    const held = new Map((await describePrincipalAcls(admin, username)).map((entry) => [aclKey(entry), entry]));
    const missing = [...wanted].filter(([key]) => !held.has(key));
    const extra = [...held].filter(([key]) => !wanted.has(key));
    kept += wanted.size - missing.length;
    if (missing.length > 0) {
      await admin.createAcls({ acl: missing.map(([, entry]) => entry) });
      created.push(...missing.map(([key]) => key));
    }
    if (extra.length > 0) {
      const answer = await admin.deleteAcls({ filters: extra.map(([, entry]) => entry) });
      const failed = answer.filterResponses.filter((response) => (response.errorCode ?? 0) !== 0);
      if (failed.length > 0) throw new Error(`deleteAcls for ${username} failed: ${failed.map((f) => f.errorMessage ?? f.errorCode).join('; ')}`);
      deleted.push(...extra.map(([key]) => key));
    }
  }
  return { created, deleted, kept };
}
