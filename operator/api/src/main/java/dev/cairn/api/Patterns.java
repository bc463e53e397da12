package dev.cairn.api;

/**
 * Regular expressions the CRD schemas enforce ({@code pattern}), kept here so that code which parses
 * the same values (for example {@link GoDuration}) accepts exactly the same language. They use only the
 * syntax common to Go's RE2 (the API server), ECMA-262 and {@code java.util.regex}: no look-arounds, no
 * back-references.
 */
public final class Patterns {

  /**
   * A non-negative Go duration: one or more {@code <number><unit>} parts, units {@code h m s ms us ns},
   * decimals allowed ({@code 20s}, {@code 5m}, {@code 1h30m}, {@code 1.5h}, {@code 250ms}). Stricter than
   * Go's {@code time.ParseDuration}: no sign, no bare {@code 0}, no {@code µs}, no {@code .5s} or {@code 5.s}.
   */
  public static final String DURATION = "^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$";

  /** Maximum length of a duration string: bounds the CEL cost of {@code duration()} on it. */
  public static final int DURATION_MAX_LENGTH = 32;

  /**
   * A strictly positive Kubernetes quantity in its string form (checked through {@link
   * #POSITIVE_QUANTITY_RULE}): decimal number (at least one non-zero
   * digit), optional binary ({@code Ki Mi Gi Ti Pi Ei}), decimal ({@code n u m k M G T P E}) or exponent
   * suffix. Examples: {@code 8Gi}, {@code 100Mi}, {@code 1.5G}, {@code 8589934592}.
   */
  public static final String POSITIVE_QUANTITY =
      "^([0-9]*[1-9][0-9]*([.][0-9]*)?|[0-9]*[.][0-9]*[1-9][0-9]*)([KMGTPE]i|[numkMGTPE]|[eE][0-9]+)?$";

  /**
   * The CEL rule that checks a {@code Quantity} field (int-or-string) is positive, in either form:
   * Fabric8's generator emits {@code pattern} only for plain strings, so the pattern is applied here.
   */
  public static final String POSITIVE_QUANTITY_RULE =
      "type(self) == int ? self > 0 : self.matches('" + POSITIVE_QUANTITY + "')";

  private static final String MINUTE = "[0-5]?[0-9]";
  private static final String HOUR = "(2[0-3]|[01]?[0-9])";
  private static final String DAY_OF_MONTH = "(3[01]|[12][0-9]|0?[1-9])";
  private static final String MONTH = "(1[0-2]|0?[1-9])";
  private static final String DAY_OF_WEEK = "[0-7]";

  /**
   * A standard 5-field cron expression, fields separated by one space: minute (0-59), hour (0-23),
   * day of month (1-31), month (1-12), day of week (0-7, 0 and 7 are Sunday). Each field is a
   * comma-separated list of {@code *}, {@code n} or {@code n-m}, each optionally followed by {@code /step}.
   * No names ({@code MON}, {@code JAN}), no {@code @hourly} macros, no seconds field.
   */
  public static final String CRON =
      "^"
          + "(\\*|" + MINUTE + "(-" + MINUTE + ")?)(/[0-9]{1,2})?(,(\\*|" + MINUTE + "(-" + MINUTE + ")?)(/[0-9]{1,2})?)*"
          + " "
          + "(\\*|" + HOUR + "(-" + HOUR + ")?)(/[0-9]{1,2})?(,(\\*|" + HOUR + "(-" + HOUR + ")?)(/[0-9]{1,2})?)*"
          + " "
          + "(\\*|" + DAY_OF_MONTH + "(-" + DAY_OF_MONTH + ")?)(/[0-9]{1,2})?"
          + "(,(\\*|" + DAY_OF_MONTH + "(-" + DAY_OF_MONTH + ")?)(/[0-9]{1,2})?)*"
          + " "
          + "(\\*|" + MONTH + "(-" + MONTH + ")?)(/[0-9]{1,2})?(,(\\*|" + MONTH + "(-" + MONTH + ")?)(/[0-9]{1,2})?)*"
          + " "
          + "(\\*|" + DAY_OF_WEEK + "(-" + DAY_OF_WEEK + ")?)(/[0-9]{1,2})?"
          + "(,(\\*|" + DAY_OF_WEEK + "(-" + DAY_OF_WEEK + ")?)(/[0-9]{1,2})?)*"
          + "$";

  /** Maximum length of a cron expression. */
  public static final int CRON_MAX_LENGTH = 128;

  /** A DNS-1123 subdomain: the names of Secrets, StorageClasses, PriorityClasses, EtcdSnapshots. */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** Maximum length of a DNS-1123 subdomain. */
  public static final int DNS_SUBDOMAIN_MAX_LENGTH = 253;

  /** A DNS-1123 label: namespace names. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** A DNS-1035 label (starts with a letter): the Etcd's own name, which names its Services. */
  public static final String DNS_1035_LABEL = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

  /**
   * Longest Etcd name: children are named {@code <name>-client}, {@code <name>-peer}, {@code
   * <name>-<ordinal>}, and the StatefulSet's pods carry a {@code controller-revision-hash} label of
   * {@code <name>-<10 chars>} that must fit in 63 characters.
   */
  public static final int ETCD_NAME_MAX_LENGTH = 45;

  /** An S3 bucket name (the common subset of AWS and MinIO rules). */
  public static final String S3_BUCKET = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";

  /**
   * An object key prefix inside the bucket: one or more segments of S3-safe characters separated by
   * single slashes, no leading or trailing slash.
   */
  public static final String STORE_PREFIX = "^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$";

  /** An absolute directory path for a Local store. */
  public static final String ABSOLUTE_PATH = "^/.*$";

  /** An http or https URL. */
  public static final String HTTP_URL = "^https?://[^\\s]+$";

  /** An etcd version, with or without a leading {@code v}: {@code 3.5.17}, {@code v3.4.23}. */
  public static final String ETCD_VERSION = "^v?3[.][0-9]+[.][0-9]+$";

  /** A snapshot location in a store: {@code s3://bucket/key} or {@code file:///dir/file}. */
  public static final String SNAPSHOT_LOCATION = "^(s3://[^/\\s]+/[^\\s]+|file:///[^\\s]*)$";

  /** A lowercase hex sha256 digest. */
  public static final String SHA256 = "^[a-f0-9]{64}$";

  /** An etcd ID (cluster or member) in hex, as etcdctl prints it. */
  public static final String HEX_ID = "^[a-f0-9]{1,16}$";

  private Patterns() {}
}
