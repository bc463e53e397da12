package dev.cairn.agent.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key manager that presents the certificate the files hold at the time of each handshake, so a
 * renewed certificate is used from the next connection on without a restart.
 *
 * <p>The JDK asks for the alias first and for the chain and key by that alias later in the same
 * handshake; the alias names the material's version so the three answers always belong together,
 * even when the files change in between.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

  private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
  private static final String PREFIX = "cairn-v";

  private final TlsFiles files;
  // The last few versions by alias, for handshakes that started before a change.
  private final Map<String, TlsFiles.Material> recent = new LinkedHashMap<>(8, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, TlsFiles.Material> eldest) {
      return size() > 4;
    }
  };

  ReloadingKeyManager(TlsFiles files) {
    if (!files.hasKey()) {
      throw new IllegalArgumentException(files + " has no certificate and key to present");
    }
    this.files = files;
  }

  private String alias() {
    try {
      TlsFiles.Material m = files.current();
      String alias = PREFIX + m.version();
      synchronized (recent) {
        recent.put(alias, m);
      }
      return alias;
    } catch (IOException e) {
      LOG.error("no certificate to present: {}", e.getMessage());
      return null;
    }
  }

  private TlsFiles.Material material(String alias) {
    synchronized (recent) {
      return alias == null ? null : recent.get(alias);
    }
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return matchingClientAlias(keyType);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return matchingClientAlias(keyType);
  }

  private String matchingClientAlias(String[] keyTypes) {
    if (keyTypes == null || keyTypes.length == 0) {
      return alias();
    }
    for (String t : keyTypes) {
      String a = matchingServerAlias(t);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return matchingServerAlias(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return matchingServerAlias(keyType);
  }

  // The JDK asks once per key type it could use (RSA, EC, ...): answering for a type the key is not
  // would make it pick a signature scheme the key cannot make.
  private String matchingServerAlias(String keyType) {
    String alias = alias();
    TlsFiles.Material m = material(alias);
    if (m == null || keyType == null) {
      return alias;
    }
    String alg = m.key().getAlgorithm();
    boolean ok = keyType.equals(alg) || (keyType.startsWith("EC") && alg.equals("EC"))
        || (keyType.equals("RSASSA-PSS") && alg.equals("RSA")) || (keyType.equals("EdDSA") && alg.startsWith("Ed"));
    return ok ? alias : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = alias();
    return a == null ? null : new String[] {a};
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String a = matchingServerAlias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    TlsFiles.Material m = material(alias);
    return m == null ? null : m.chain().clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    TlsFiles.Material m = material(alias);
    return m == null ? null : m.key();
  }
}
