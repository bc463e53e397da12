package dev.cairn.agent.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.restore.RestoreTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller's bootstrap directive (ConfigMap) adopted into the agent's own directive, once per id. */
class DirectiveFileTest {

  @TempDir Path dir;

  private Path bootstrap(String json) throws IOException {
    return Files.writeString(dir.resolve("directive.json"), json);
  }

  @Test
  void aForceNewClusterForThisPodIsAdoptedOncePerId() throws IOException {
    DirectiveFile f = new DirectiveFile(dir.resolve("data"));
    Path b = bootstrap("{\"id\":\"t1\",\"action\":\"ForceNewCluster\",\"member\":\"e-0\",\"snapshot\":null,"
        + "\"revision\":null,\"allowTokenMismatch\":false}");
    DirectiveFile.Directive d = f.adoptBootstrap(b, "e-0");
    assertEquals("forceNewCluster", d.action());
    assertTrue(d.pending());
    assertTrue(d.toDecision() instanceof InitDecision.Directive.ForceNewCluster);
    f.finish(d, true, "etcd runs");
    assertNull(f.adoptBootstrap(b, "e-0"), "the same id is not carried out again at the next start");
    assertEquals("done", f.read().state());
  }

  @Test
  void aRestoreFromStoreMapsToRestoreAndOtherMembersIgnoreIt() throws IOException {
    Path b = bootstrap("{\"id\":\"t2\",\"action\":\"RestoreFromStore\",\"member\":\"e-1\",\"snapshot\":null,"
        + "\"revision\":42,\"allowTokenMismatch\":true}");
    assertNull(new DirectiveFile(dir.resolve("other")).adoptBootstrap(b, "e-0"));
    DirectiveFile f = new DirectiveFile(dir.resolve("data"));
    DirectiveFile.Directive d = f.adoptBootstrap(b, "e-1");
    assertEquals("restore", d.action());
    InitDecision.Directive.Restore r = (InitDecision.Directive.Restore) d.toDecision();
    assertEquals(new RestoreTarget.Revision(42), r.target());
    assertTrue(r.allowTokenMismatch());
    assertNull(new DirectiveFile(dir.resolve("data")).adoptBootstrap(dir.resolve("absent.json"), "e-1"));
  }

  @Test
  void aFailedBootstrapDirectiveIsReportedWhileItsFileStillNamesThisMember() throws IOException {
    Path b = bootstrap("{\"id\":\"t4\",\"action\":\"RestoreFromStore\",\"member\":\"e-0\",\"revision\":15}");
    DirectiveFile f = new DirectiveFile(dir.resolve("data"));
    DirectiveFile.Directive d = f.adoptBootstrap(b, "e-0");
    assertNull(f.failedBootstrap(b, "e-0"), "pending is not failed");
    f.finish(d, false, "revision mismatch");
    assertEquals("revision mismatch", f.failedBootstrap(b, "e-0").message());
    assertNull(f.failedBootstrap(b, "e-1"), "another member is not concerned");
    Files.delete(b);
    assertNull(f.failedBootstrap(b, "e-0"), "the task removed its ConfigMap: the member starts as it can");
  }

  @Test
  void anUnknownActionSaysWhatIsAccepted() throws IOException {
    Path b = bootstrap("{\"id\":\"t3\",\"action\":\"Explode\",\"member\":\"e-0\"}");
    IOException e = assertThrows(IOException.class, () -> new DirectiveFile(dir.resolve("d")).adoptBootstrap(b, "e-0"));
    assertTrue(e.getMessage().contains("ForceNewCluster or RestoreFromStore"), e.getMessage());
  }
}
