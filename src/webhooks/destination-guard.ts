/**
 * Where webhooks may go (issue 6 item 7, SSRF safety). A webhook URL is
 * refused when its host is, or resolves to, an address that is not public
 * unicast: loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
 * CGNAT (100.64/10), multicast, broadcast, reserved, or an IPv6 form of such
 * an IPv4 address, unless SNYPTO_WEBHOOK_ALLOW_PRIVATE is set (development
 * and tests). Address classes come from ipaddr.js.
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

/** IPv6 ranges that carry an IPv4 address in their last 32 bits (mapped, SIIT, NAT64). */
const EMBEDDING_IPV4: ReadonlySet<string> = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052']);

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

/** Whether `address` (an IPv4 or IPv6 literal) is one a webhook may not reach. */
export function isPrivateAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (EMBEDDING_IPV4.has(v6.range())) {
      const bytes = v6.toByteArray().slice(-4);
      parsed = new ipaddr.IPv4(bytes);
    }
  }
  return REFUSED_RANGES.has(parsed.range());
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
