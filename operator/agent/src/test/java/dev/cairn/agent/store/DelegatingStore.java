package dev.cairn.agent.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * A store that passes every call to another; tests override what they break. The defaults that
 * {@link BackupStore} derives from these calls (file puts, listAll, publishRewrites) are left to the
 * interface, so an override of {@link #put(String, InputStream, long, Map)} sees file puts too.
 */
public class DelegatingStore implements BackupStore {
  protected final BackupStore d;

  public DelegatingStore(BackupStore d) {
    this.d = d;
  }

  @Override
  public String describe() {
    return d.describe();
  }

  @Override
  public void put(String name, InputStream data, long size, Map<String, String> userMetadata) throws IOException {
    d.put(name, data, size, userMetadata);
  }

  @Override
  public InputStream get(String name) throws IOException {
    return d.get(name);
  }

  @Override
  public java.util.Optional<StoredObject> stat(String name) throws IOException {
    return d.stat(name);
  }

  @Override
  public StorePage list(String startAfter, int limit) throws IOException {
    return d.list(startAfter, limit);
  }

  @Override
  public void delete(String name) throws IOException {
    d.delete(name);
  }

  @Override
  public StagedUpload stage(String owner) throws IOException {
    return d.stage(owner);
  }

  @Override
  public void publish(String temporary, String name, long size, Map<String, String> userMetadata) throws IOException {
    d.publish(temporary, name, size, userMetadata);
  }

  @Override
  public List<StoredObject> listTemporary() throws IOException {
    return d.listTemporary();
  }

  @Override
  public void deleteTemporary(String temporary) throws IOException {
    d.deleteTemporary(temporary);
  }

  @Override
  public void check() throws IOException {
    d.check();
  }

  @Override
  public void archiveCopy(String name, String archive) throws IOException {
    d.archiveCopy(name, archive);
  }

  @Override
  public void putArchived(String archive, String name, byte[] content) throws IOException {
    d.putArchived(archive, name, content);
  }

  @Override
  public InputStream getArchived(String archive, String name) throws IOException {
    return d.getArchived(archive, name);
  }

  @Override
  public List<StoredObject> listArchived(String archive) throws IOException {
    return d.listArchived(archive);
  }

  @Override
  public List<String> listArchives() throws IOException {
    return d.listArchives();
  }
}
