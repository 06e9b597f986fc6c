/**
 * Where webhooks may go (issue 6 item 7, SSRF safety). A webhook URL is
 * refused when its host is, or resolves to, an address that is not public
 * unicast: loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
 * CGNAT (100.64/10), multicast, broadcast, reserved, or an IPv6 address
 * that carries such an IPv4 address (see `embeddedIPv4`), unless
 * SNYPTO_WEBHOOK_ALLOW_PRIVATE is set (development and tests). Address
 * classes come from ipaddr.js.
 *
 * The check runs twice: when a URL is saved (a clear 422 for the
 * administrator) and at every send, inside the DNS lookup of the connection
 * itself, so that a name re-pointed after the first check (DNS rebinding)
 * never reaches a private address.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Address classes (ipaddr.js `range()` names) no webhook may reach. */
const REFUSED_RANGES: ReadonlySet<string> = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'reserved',
  'uniqueLocal',
  'deprecatedSiteLocal',
  'discard',
]);

/** NAT64's local-use prefix (RFC 8215), 64:ff9b:1::/48. */
const NAT64_LOCAL_USE: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('64:ff9b:1::'), 48];

const ipv4At = (bytes: number[], offset: number, mask = 0) =>
  new ipaddr.IPv4(bytes.slice(offset, offset + 4).map((byte) => byte ^ mask));

/**
 * The IPv4 addresses an IPv6 address carries, by the form that carries
 * them; 'opaque' when it carries one at a position that cannot be known.
 * A packet to any of these forms ends up at (or is relayed by) the IPv4
 * address inside it, so a refused IPv4 address is refused in each form:
 * - IPv4-mapped ::ffff:a.b.c.d and SIIT ::ffff:0:a.b.c.d (RFC 6145): last 32 bits;
 * - IPv4-compatible ::a.b.c.d (::/96, deprecated by RFC 4291): last 32 bits
 *   (:: and ::1 read as 0.0.0.0 and 0.0.0.1, refused all the same);
 * - NAT64 well-known prefix 64:ff9b::/96 (RFC 6052): last 32 bits;
 * - 6to4 2002::/16 (RFC 3056): bits 16..47, the site's IPv4 gateway;
 * - Teredo 2001:0::/32 (RFC 4380): the server's IPv4 in bits 32..63 and the
 *   client's in the last 32 bits, each bit inverted.
 * NAT64's local-use prefix 64:ff9b:1::/48 (RFC 8215) is 'opaque': each
 * network chooses its prefix length within it, which moves the IPv4 address
 * (RFC 6052 §2.2), and it only ever names that network's own translator.
 */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] | 'opaque' {
  const bytes = address.toByteArray();
  if (address.match(NAT64_LOCAL_USE)) return 'opaque';
  if (bytes.slice(0, 12).every((byte) => byte === 0)) return [ipv4At(bytes, 12)];
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return [ipv4At(bytes, 12)];
    case '6to4':
      return [ipv4At(bytes, 2)];
    case 'teredo':
      return [ipv4At(bytes, 4), ipv4At(bytes, 12, 0xff)];
    default:
      return [];
  }
}

/** The error code of a refused destination, kept by got's RequestError. */
export const PRIVATE_DESTINATION = 'ERR_WEBHOOK_PRIVATE_DESTINATION';

/** A webhook URL whose host is or resolves to a non-public address. */
export class PrivateDestinationError extends Error {
  override name = 'PrivateDestinationError';
  readonly code = PRIVATE_DESTINATION;
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`Url is not allowed: ${host} resolves to a private address (${address})`);
  }
}

/**
 * Whether `address` (an IPv4 or IPv6 literal) is one a webhook may not
 * reach: in a refused class, or an IPv6 form carrying a refused IPv4
 * address. A form carrying only public IPv4 addresses is allowed, as that
 * IPv4 address itself is: what it reaches is that public host (or its
 * relay), which a webhook may reach directly anyway.
 */
export function isPrivateAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  const parsed = ipaddr.parse(address);
  if (REFUSED_RANGES.has(parsed.range())) return true;
  if (parsed.kind() === 'ipv4') return false;
  const embedded = embeddedIPv4(parsed as ipaddr.IPv6);
  return embedded === 'opaque' || embedded.some((ipv4) => REFUSED_RANGES.has(ipv4.range()));
}

/** The URL's host without IPv6 brackets; null for what is not a URL (its own validation reports it). */
function hostOf(url: string): string | null {
  if (!URL.canParse(url)) return null;
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1') || null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type Resolver = (hostname: string, options: LookupOptions & { all: true }) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname, options) =>
  new Promise((resolve, reject) => dnsLookup(hostname, options, (error, addresses) => (error ? reject(error) : resolve(addresses))));

export interface DestinationGuardOptions {
  /** SNYPTO_WEBHOOK_ALLOW_PRIVATE: every destination is allowed. */
  allowPrivate: boolean;
  /** Name resolution (tests may replace it); node:dns `lookup` with `all: true` by default. */
  resolve?: Resolver;
}

export class DestinationGuard {
  private readonly resolve: Resolver;

  constructor(private readonly options: DestinationGuardOptions) {
    this.resolve = options.resolve ?? systemResolver;
  }

  get allowsPrivate(): boolean {
    return this.options.allowPrivate;
  }

  /**
   * Refuses (throws PrivateDestinationError) a URL whose host is a private
   * literal address, or a name any of whose addresses is private. A name that
   * does not resolve now is let through: the send-time lookup decides later.
   */
  async check(url: string): Promise<void> {
    const host = this.options.allowPrivate ? null : hostOf(url);
    if (host === null) return;
    if (isIP(host)) {
      if (isPrivateAddress(host)) throw new PrivateDestinationError(host, host);
      return;
    }
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolve(host, { all: true });
    } catch {
      return;
    }
    const refused = addresses.find((entry) => isPrivateAddress(entry.address));
    if (refused) throw new PrivateDestinationError(host, refused.address);
  }

  /**
   * Refuses a URL whose host is a private literal address, without DNS (a
   * literal is connected to without any lookup, so the lookup below never
   * sees it).
   */
  checkLiteral(url: string): void {
    const host = this.options.allowPrivate ? null : hostOf(url);
    if (host !== null && isIP(host) && isPrivateAddress(host)) throw new PrivateDestinationError(host, host);
  }

  /**
   * A `lookup` for the sending socket (got's `dnsLookup`): resolves the name
   * and hands the connection only addresses that passed the check, failing
   * the connection when any address is private. Undefined when private
   * destinations are allowed (the default lookup then applies).
   */
  get connectLookup(): ((hostname: string, options: LookupOptions, callback: LookupCallback) => void) | undefined {
    if (this.options.allowPrivate) return undefined;
    return (hostname, options, callback) => {
      this.resolve(hostname, { ...options, all: true }).then(
        (addresses) => {
          const refused = addresses.find((entry) => isPrivateAddress(entry.address));
          if (refused) return callback(new PrivateDestinationError(hostname, refused.address), []);
          if (addresses.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
          if (options.all) return callback(null, addresses);
          callback(null, addresses[0]!.address, addresses[0]!.family);
        },
        (error: NodeJS.ErrnoException) => callback(error, []),
      );
    };
  }
}
