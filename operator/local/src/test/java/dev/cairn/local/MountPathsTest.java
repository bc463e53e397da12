package dev.cairn.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MountPathsTest {

  private final MountPaths mounts = new MountPaths(Map.of(
      "/var/lib/etcd", Path.of("/w/volumes/ns/data-etcd-0"),
      "/var/lib/etcd/snapshots/", Path.of("/w/pods/ns/etcd-0/empty/snap"),
      "/tmp", Path.of("/w/pods/ns/etcd-0/empty/tmp")));

  @Test
  void rewritesTheLongestMountAtAPathBoundary() {
    assertEquals("/w/volumes/ns/data-etcd-0", mounts.rewrite("/var/lib/etcd"));
    assertEquals("/w/volumes/ns/data-etcd-0/member/snap", mounts.rewrite("/var/lib/etcd/member/snap"));
    assertEquals("/w/pods/ns/etcd-0/empty/snap/x.db", mounts.rewrite("/var/lib/etcd/snapshots/x.db"));
    assertEquals("/var/lib/etcd2", mounts.rewrite("/var/lib/etcd2"));
    assertEquals("/tmpfile", mounts.rewrite("/tmpfile"));
  }

  @Test
  void rewritesTheValueOfAFlag() {
    assertEquals("--data-dir=/w/volumes/ns/data-etcd-0", mounts.rewrite("--data-dir=/var/lib/etcd"));
    assertEquals("-d=/w/pods/ns/etcd-0/empty/tmp/a", mounts.rewrite("-d=/tmp/a"));
    assertEquals("--store=file:///var/lib/etcd", mounts.rewrite("--store=file:///var/lib/etcd"), "URLs are not paths");
    assertEquals("name=/var/lib/etcd", mounts.rewrite("name=/var/lib/etcd"), "only flags");
    assertEquals("--flag", mounts.rewrite("--flag"));
  }

  @Test
  void aRootMountTakesEveryAbsolutePath() {
    MountPaths root = new MountPaths(Map.of("/", Path.of("/w/root")));
    assertEquals("/w/root/etc/x", root.rewrite("/etc/x"));
    assertEquals("/w/root", root.rewrite("/"));
    assertEquals("relative/x", root.rewrite("relative/x"));
  }
}
