package dev.cairn.agent.init;

import dev.cairn.agent.config.EtcdConfigTemplate;
import dev.cairn.agent.config.MemberConfigRenderer;
import dev.cairn.agent.config.MemberSettings;
import dev.cairn.agent.membership.ClusterMembers;
import dev.cairn.agent.membership.EtcdGateway;
import dev.cairn.agent.restore.ChainRestorer;
import dev.cairn.agent.restore.RestoreException;
import dev.cairn.agent.restore.RestoredMember;
import dev.cairn.agent.restore.Timeline;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.datadir.bbolt.RevisionReader;
import dev.cairn.datadir.validation.ValidationFlow;
import dev.cairn.datadir.validation.ValidationMode;
import dev.cairn.datadir.validation.ValidationOutcome;
import dev.cairn.datadir.validation.ValidationReport;
import dev.cairn.datadir.validation.VolumeIdentity;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's initialisation before etcd starts (seeds 000 and 001), driven by the etcd container's
 * wrapper through {@code POST /initialization/start?mode=full|sanity} and {@code GET
 * /initialization/status}: validate the data dir, look at the store and the other members, decide
 * ({@link InitDecision}), act (start, restore from the store, or rejoin as a learner), and render the
 * member's etcd config for {@code GET /config}. After etcd starts, a learner is promoted once it has
 * caught up.
 *
 * <p>States as in seed 001: New (nothing asked yet), Progress, Successful, Failed. A start while a run
 * is in progress changes nothing; a start after Successful or Failed runs again (the etcd container
 * restarted).
 */
public final class Initializer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Initializer.class);

  public enum State {
    New,
    Progress,
    Successful,
    Failed
  }

  /**
   * What {@code /initialization/status} answers.
   *
   * @param mode full or sanity, as asked
   * @param validation the validation outcome (Valid, Empty, Corrupt, Stale, WrongVolume)
   * @param action what was decided (Start, Restore, Resync, Wait, Fail)
   * @param promotion the learner promotion: "", waiting, done
   */
  public record Status(State state, String reason, String mode, String validation, String action, String promotion) {}

  /**
   * @param templateFile the operator's etcd config template (read at every run: the ConfigMap changes)
   * @param identity the volume identity to check and claim, null to skip the wrong-volume guard
   * @param probeGrace how long nobody must answer before this member acts as if alone
   * @param retryInterval pause between attempts while waiting
   * @param bootstrapDirective the controller's bootstrap directive file (mounted ConfigMap), adopted at
   *     every run when it names this member and its id was not adopted before; null: none
   */
  public record Settings(MemberSettings member, Path templateFile, VolumeIdentity identity, Duration probeGrace,
      Duration retryInterval, Duration promoteInterval, Path bootstrapDirective) {

    /** Settings without a controller bootstrap directive file. */
    public Settings(MemberSettings member, Path templateFile, VolumeIdentity identity, Duration probeGrace,
        Duration retryInterval, Duration promoteInterval) {
      this(member, templateFile, identity, probeGrace, retryInterval, promoteInterval, null);
    }
  }

  private final Settings s;
  private final BackupStore store;
  private final Function<Boolean, ChainRestorer> restorers;
  private final ClusterMembers members;
  private final DirectiveFile directives;
  private final Object lock = new Object();
  private volatile Status status = new Status(State.New, "waiting for /initialization/start", "", "", "", "");
  private volatile String config;
  private Thread worker;
  private Thread afterStart;
  private volatile boolean closed;
  private volatile long generation;

  /**
   * @param store the backup store, null when backups are off
   * @param restorers a restorer for the store, given whether a token mismatch is allowed; null without a store
   */
  public Initializer(Settings s, BackupStore store, Function<Boolean, ChainRestorer> restorers, ClusterMembers members) {
    this.s = s;
    this.store = store;
    this.restorers = restorers;
    this.members = members;
    this.directives = new DirectiveFile(s.member().dataDir());
  }

  public Status status() {
    return status;
  }

  public DirectiveFile directives() {
    return directives;
  }

  /** The rendered etcd config once initialisation succeeded, else null. */
  public String config() {
    return status.state() == State.Successful ? config : null;
  }

  /**
   * Starts a run in {@code mode} (null: chosen from the exit marker) unless one is in progress.
   * Also starts watching for the local etcd, to promote this member when it is a learner.
   */
  public Status start(ValidationMode mode) {
    synchronized (lock) {
      if (closed) {
        return status;
      }
      if (status.state() == State.Progress && worker != null && worker.isAlive()) {
        return status;
      }
      long gen = ++generation;
      String m = mode == null ? "" : mode.name().toLowerCase(java.util.Locale.ROOT);
      status = new Status(State.Progress, "initialisation started", m, "", "", "");
      config = null;
      worker = new Thread(() -> runSafely(mode, gen), "initialisation");
      worker.setDaemon(true);
      worker.start();
      return status;
    }
  }

  /** Watches for a running etcd at agent start too: an agent restarted beside a learner still promotes it. */
  public void watchMembership() {
    synchronized (lock) {
      if (afterStart == null || !afterStart.isAlive()) {
        afterStart = new Thread(this::afterStartLoop, "membership-watch");
        afterStart.setDaemon(true);
        afterStart.start();
      }
    }
  }

  private void progress(long gen, String reason, String validation, String action) {
    if (gen != generation) {
      return;
    }
    Status old = status;
    status = new Status(State.Progress, reason, old.mode(), validation == null ? old.validation() : validation,
        action == null ? old.action() : action, old.promotion());
    LOG.info("initialisation: {}", reason);
  }

  private void finish(long gen, State st, String reason, String action, String rendered) {
    synchronized (lock) {
      if (gen != generation) {
        return;
      }
      config = rendered;
      Status old = status;
      status = new Status(st, reason, old.mode(), old.validation(), action, old.promotion());
    }
    if (st == State.Failed) {
      LOG.error("initialisation failed: {}", reason);
    } else {
      LOG.info("initialisation {}: {}", st, reason);
    }
  }

  private void runSafely(ValidationMode mode, long gen) {
    try {
      run(mode, gen);
    } catch (InterruptedException e) {
      finish(gen, State.Failed, "initialisation interrupted", "Fail", null);
    } catch (Exception e) {
      LOG.error("initialisation failed", e);
      finish(gen, State.Failed, "initialisation failed: " + e.getMessage(), "Fail", null);
    }
  }

  private void run(ValidationMode mode, long gen) throws Exception {
    MemberSettings m = s.member();
    EtcdConfigTemplate template = EtcdConfigTemplate.read(s.templateFile());
    Map<String, URI> ic = template.initialCluster();
    List<URI> others = new ArrayList<>();
    ic.forEach((name, peer) -> {
      if (!name.equals(m.podName())) {
        others.add(m.clientUrlOfPeer(peer));
      }
    });
    boolean first = ic.isEmpty() || ic.keySet().iterator().next().equals(m.podName());
    long started = System.nanoTime();
    DirectiveFile.Directive adopted = directives.adoptBootstrap(s.bootstrapDirective(), m.podName());
    if (adopted != null) {
      LOG.info("bootstrap directive {} ({}) from {} adopted for this initialisation", adopted.id(), adopted.action(),
          s.bootstrapDirective());
    }
    DirectiveFile.Directive failed = directives.failedBootstrap(s.bootstrapDirective(), m.podName());
    if (failed != null) {
      finish(gen, State.Failed, "the operator's bootstrap directive " + failed.id() + " (" + failed.action()
          + ") failed: " + failed.message() + "; etcd does not start on this member's old data while "
          + s.bootstrapDirective() + " still names it. Fix the cause and run a new task (a new id), or delete"
          + " the task and its <etcd>-bootstrap ConfigMap to start on the old data", "Fail", null);
      return;
    }

    StoreFacts sf = storeFacts(gen);
    progress(gen, "validating the data dir (" + (mode == null ? "mode from the exit marker" : mode) + ")", null, null);
    ValidationReport report = ValidationFlow.run(new ValidationFlow.Request(m.dataDir(), mode, sf.revision(),
        s.identity(), s.identity() != null));
    ValidationOutcome outcome = report.outcome();
    LOG.info("validation of {}: {}", m.dataDir(), report.toText().strip());
    synchronized (lock) {
      Status o = status;
      status = new Status(o.state(), o.reason(), report.mode().name().toLowerCase(java.util.Locale.ROOT),
          o.validation(), o.action(), o.promotion());
    }
    progress(gen, "validation (" + report.mode().name().toLowerCase(java.util.Locale.ROOT) + ", " + report.modeReason()
        + "): " + outcome.kind(), outcome.kind(), null);

    while (!closed && gen == generation) {
      DirectiveFile.Directive directive = directives.read();
      InitDecision.Directive dd = directive == null ? new InitDecision.Directive.None() : directive.toDecision();
      ClusterMembers.View view = members.probe(others);
      InitDecision.Peers peers = view.peers();
      boolean inGrace = System.nanoTime() - started < s.probeGrace().toNanos();
      ClusterMembers.Member self = view.healthy() ? findSelf(view.members()) : null;
      InitDecision.Self selfState = self == null ? InitDecision.Self.ABSENT
          : self.started() ? InitDecision.Self.STARTED : InitDecision.Self.ADDED;
      long dataRevision = outcome instanceof ValidationOutcome.Valid ? dataRevision() : -1;
      InitDecision.Action a = InitDecision.decide(new InitDecision.Facts(outcome, peers, selfState, first,
          sf.reachable(), sf.hasFull(), dataRevision, view.revision(), dd, store != null));
      if (a instanceof InitDecision.Action.Restore && peers == InitDecision.Peers.UNREACHABLE && inGrace
          && !(dd instanceof InitDecision.Directive.Restore)) {
        // Members may still be starting: until the grace is over, silence is not proof of being alone.
        a = new InitDecision.Action.Wait("no other member answers yet; restoring alone from the store only if none"
            + " answers within " + s.probeGrace());
      }
      String actionName = a.getClass().getSimpleName();
      if (a instanceof InitDecision.Action.Wait w) {
        progress(gen, w.reason() + " [" + view.detail() + "]", null, actionName);
        Thread.sleep(s.retryInterval().toMillis());
        if (!sf.reachable()) {
          sf = storeFacts(gen);
        }
        continue;
      }
      if (a instanceof InitDecision.Action.Fail f) {
        if (directive != null && directive.pending()) {
          directives.finish(directive, false, f.reason());
        }
        finish(gen, State.Failed, f.reason(), actionName, null);
        return;
      }
      MemberConfigRenderer.Membership plan;
      if (a instanceof InitDecision.Action.Start st) {
        plan = startPlan(st, view, ic);
        if (self != null && self.learner()) {
          watchMembership();
        }
      } else if (a instanceof InitDecision.Action.Restore r) {
        progress(gen, r.reason(), null, actionName);
        try {
          ChainRestorer restorer = restorers.apply(r.allowTokenMismatch()).onProgress(p -> progress(gen, p, null, null));
          // An operator's restore to an older point starts a new timeline (ADR 0008), archived under
          // the directive's id so that a rerun after a crash finishes the same archive. Restores the
          // agent decides alone are of the newest state and never change the store.
          Timeline timeline = directive != null && dd instanceof InitDecision.Directive.Restore
              ? Timeline.newTimeline(archiveId(directive.id())) : Timeline.refuseOlder();
          restorer.restore(r.target(), RestoredMember.alone(m.podName(), m.forEtcd(m.advertisePeerUrl()).toString(),
              template.clusterToken()), m.dataDir(), true, timeline);
        } catch (RestoreException e) {
          if (e.reason() == RestoreException.Reason.STORE) {
            progress(gen, "restore could not read the store, retrying: " + e.getMessage(), null, "Wait");
            Thread.sleep(s.retryInterval().toMillis());
            continue;
          }
          if (directive != null && directive.pending()) {
            directives.finish(directive, false, e.getMessage());
          }
          finish(gen, State.Failed, "restore failed: " + e.getMessage(), actionName, null);
          return;
        }
        if (directive != null && directive.pending()) {
          directives.finish(directive, true, "restored " + r.target().describe());
        }
        plan = new MemberConfigRenderer.Membership(MemberConfigRenderer.ClusterState.NEW,
            Map.of(m.podName(), List.of(m.advertisePeerUrl())), false);
      } else {
        InitDecision.Action.Resync rs = (InitDecision.Action.Resync) a;
        progress(gen, rs.reason(), null, actionName);
        try {
          plan = resync(gen, rs, view, self, outcome);
        } catch (IOException e) {
          progress(gen, "rejoining as a learner failed, retrying: " + e.getMessage(), null, "Wait");
          if (rs.wipe() || rs.removeFirst()) {
            // What was done stays done: the next attempt sees the member removed and its data gone.
            outcome = Files.isDirectory(m.dataDir().resolve("member")) ? outcome : new ValidationOutcome.Empty();
          }
          Thread.sleep(s.retryInterval().toMillis());
          continue;
        }
        watchMembership();
      }
      String rendered = MemberConfigRenderer.render(template, m, plan);
      finish(gen, State.Successful, a.reason(), actionName, rendered);
      return;
    }
  }

  /** The store archive id of a directive's restore: its id, made safe as one folder name. */
  static String archiveId(String directiveId) {
    String safe = directiveId == null ? "" : directiveId.replaceAll("[^0-9A-Za-z._-]", "-");
    safe = safe.replaceFirst("^[^0-9A-Za-z]+", "");
    if (safe.isEmpty()) {
      safe = "directive";
    }
    return "restore-" + (safe.length() > 100 ? safe.substring(0, 100) : safe);
  }

  private record StoreFacts(boolean reachable, boolean hasFull, OptionalLong revision) {}

  private StoreFacts storeFacts(long gen) {
    if (store == null) {
      return new StoreFacts(true, false, OptionalLong.empty());
    }
    try {
      SnapshotCatalog c = SnapshotCatalog.of(store.listAll());
      boolean hasFull = c.newestFull().isPresent();
      return new StoreFacts(true, hasFull, hasFull ? OptionalLong.of(c.newestEndRevision()) : OptionalLong.empty());
    } catch (IOException e) {
      progress(gen, "the backup store " + store.describe() + " does not answer: " + e.getMessage(), null, null);
      return new StoreFacts(false, false, OptionalLong.empty());
    }
  }

  private long dataRevision() {
    try {
      return RevisionReader.read(s.member().dataDir().resolve("member").resolve("snap").resolve("db")).revision();
    } catch (IOException e) {
      return -1;
    }
  }

  private ClusterMembers.Member findSelf(List<ClusterMembers.Member> list) {
    MemberSettings m = s.member();
    List<String> mine = new ArrayList<>();
    mine.add(m.advertisePeerUrl().toString());
    try {
      mine.add(m.forEtcd(m.advertisePeerUrl()).toString());
    } catch (IOException ignored) {
      // only the DNS form then
    }
    for (ClusterMembers.Member x : list) {
      if (x.name().equals(m.podName())) {
        return x;
      }
      for (URI u : x.peerUrls()) {
        if (mine.contains(u.toString())) {
          return x;
        }
      }
    }
    return null;
  }

  private MemberConfigRenderer.Membership startPlan(InitDecision.Action.Start st, ClusterMembers.View view,
      Map<String, URI> ic) {
    MemberSettings m = s.member();
    if (st.forceNewCluster()) {
      return new MemberConfigRenderer.Membership(MemberConfigRenderer.ClusterState.EXISTING,
          Map.of(m.podName(), List.of(m.advertisePeerUrl())), true);
    }
    if (!st.newCluster() && view.healthy()) {
      return new MemberConfigRenderer.Membership(MemberConfigRenderer.ClusterState.EXISTING,
          membership(view.members(), ic), false);
    }
    Map<String, List<URI>> all = new LinkedHashMap<>();
    ic.forEach((n, u) -> all.put(n, List.of(n.equals(m.podName()) ? m.advertisePeerUrl() : u)));
    all.putIfAbsent(m.podName(), List.of(m.advertisePeerUrl()));
    return new MemberConfigRenderer.Membership(
        st.newCluster() ? MemberConfigRenderer.ClusterState.NEW : MemberConfigRenderer.ClusterState.EXISTING, all,
        false);
  }

  /** The cluster's members as initial-cluster: unnamed (added, unstarted) ones get their template name. */
  private Map<String, List<URI>> membership(List<ClusterMembers.Member> list, Map<String, URI> ic) {
    Map<String, List<URI>> out = new LinkedHashMap<>();
    ClusterMembers.Member self = findSelf(list);
    for (ClusterMembers.Member x : list) {
      String name = x.name();
      if (x == self) {
        name = s.member().podName();
      } else if (name.isEmpty()) {
        name = "member-" + Long.toHexString(x.id());
        for (Map.Entry<String, URI> e : ic.entrySet()) {
          if (x.peerUrls().stream().anyMatch(u -> u.getHost().equals(e.getValue().getHost()))) {
            name = e.getKey();
          }
        }
      }
      out.put(name, x.peerUrls());
    }
    return out;
  }

  private MemberConfigRenderer.Membership resync(long gen, InitDecision.Action.Resync rs, ClusterMembers.View view,
      ClusterMembers.Member self, ValidationOutcome outcome) throws IOException, InterruptedException {
    MemberSettings m = s.member();
    List<URI> voters = view.answering();
    if (rs.removeFirst() && self != null) {
      progress(gen, "removing this member (" + Long.toHexString(self.id()) + ") from the cluster", null, null);
      members.remove(voters, self.id());
    }
    if (rs.wipe() && Files.exists(m.dataDir().resolve("member"))) {
      Path aside = m.dataDir().resolve(".cairn").resolve("member.wiped");
      progress(gen, "wiping the " + outcome.kind() + " data dir (member/)", null, null);
      ChainRestorer.deleteTree(aside);
      Files.createDirectories(aside.getParent());
      Files.move(m.dataDir().resolve("member"), aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      ChainRestorer.deleteTree(aside);
    }
    URI peer = m.forEtcd(m.advertisePeerUrl());
    progress(gen, "adding this member as a learner with peer URL " + peer, null, null);
    List<ClusterMembers.Member> after;
    try {
      after = members.addLearner(voters, peer);
    } catch (EtcdGateway.GatewayException e) {
      if (e.getMessage().contains("Peer URLs already exists") || e.getMessage().contains("peerURL exists")) {
        // A former attempt added it already: start with the membership as it is.
        after = members.list(voters);
      } else {
        throw e;
      }
    }
    EtcdConfigTemplate template = EtcdConfigTemplate.read(s.templateFile());
    return new MemberConfigRenderer.Membership(MemberConfigRenderer.ClusterState.EXISTING,
        membership(after, template.initialCluster()), false);
  }

  /** After etcd starts: completes a force-new-cluster directive, promotes a learner once etcd allows it. */
  private void afterStartLoop() {
    MemberSettings m = s.member();
    URI local = m.advertiseClientUrl();
    long waitUntil = System.nanoTime() + Duration.ofHours(24).toNanos();
    try {
      while (!closed && System.nanoTime() < waitUntil) {
        Thread.sleep(s.promoteInterval().toMillis());
        List<URI> endpoints = new ArrayList<>();
        endpoints.add(local);
        try {
          EtcdConfigTemplate.read(s.templateFile()).initialCluster().forEach((n, u) -> {
            if (!n.equals(m.podName())) {
              endpoints.add(m.clientUrlOfPeer(u));
            }
          });
        } catch (IOException ignored) {
          // the local member alone then
        }
        List<ClusterMembers.Member> list;
        try {
          members.gateway().call(local, "maintenance/status", EtcdGateway.object());
          list = members.list(endpoints);
        } catch (IOException e) {
          continue; // etcd not up yet
        }
        DirectiveFile.Directive d = directives.read();
        if (d != null && d.pending() && d.action().equals("forceNewCluster")) {
          directives.finish(d, true, "etcd runs as a new cluster of one on this member's data");
        }
        ClusterMembers.Member self = findSelf(list);
        if (self == null) {
          continue; // the member list does not show this member (yet)
        }
        if (!self.learner()) {
          if (!status.promotion().isEmpty()) {
            setPromotion("done");
            LOG.info("member {} is a voting member", Long.toHexString(self.id()));
          }
          return;
        }
        List<URI> voters = new ArrayList<>();
        for (ClusterMembers.Member x : list) {
          if (!x.learner()) {
            voters.addAll(x.clientUrls());
          }
        }
        setPromotion("waiting");
        try {
          members.promote(voters, self.id());
          LOG.info("learner {} promoted to a voting member", Long.toHexString(self.id()));
          setPromotion("done");
          return;
        } catch (IOException e) {
          LOG.info("learner {} not promoted yet: {}", Long.toHexString(self.id()), e.getMessage());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.warn("membership watch stopped: {}", e.toString());
    }
  }

  private void setPromotion(String p) {
    synchronized (lock) {
      Status o = status;
      status = new Status(o.state(), o.reason(), o.mode(), o.validation(), o.action(), p);
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (lock) {
      if (worker != null) {
        worker.interrupt();
      }
      if (afterStart != null) {
        afterStart.interrupt();
      }
    }
  }
}
