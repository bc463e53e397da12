package dev.cairn.agent.snapshot;

/**
 * Who produced a snapshot, recorded in its metadata.
 *
 * @param etcdClusterId cluster ID, hex
 * @param etcdMemberId member ID, hex
 * @param member member (pod) name
 * @param etcdVersion server version
 * @param tokenHash salted hash of the backup token, or null
 */
public record SourceInfo(String etcdClusterId, String etcdMemberId, String member, String etcdVersion, String tokenHash) {}
