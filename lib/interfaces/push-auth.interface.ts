/** Credentials sent with every push; never logged. */
export type PushAuth =
  { readonly username: string; readonly password: string } | { readonly bearerToken: string };

/** TLS settings for cache pods served over HTTPS. PEM text, or a path to a PEM file. */
export interface PushTlsOptions {
  /** CA that signed the cache pods' certificate (PEM text or file path). */
  readonly ca?: string;
  /** Client certificate for mutual TLS (PEM text or file path). */
  readonly cert?: string;
  /** Key of the client certificate (PEM text or file path). */
  readonly key?: string;
  /**
   * Host name checked against the pods' certificate. Pods are reached by IP address, so the
   * certificate must name that address, or this name. Default: the service name.
   */
  readonly serverName?: string;
  /** Set `false` only for tests: accepts any certificate. Default `true`. */
  readonly rejectUnauthorized?: boolean;
}

/** {@link PushTlsOptions} after validation: files read into PEM text, defaults filled in. */
export interface ResolvedPushTls {
  /** CA as PEM text, if given. */
  readonly ca: string | undefined;
  /** Client certificate as PEM text, if given. */
  readonly cert: string | undefined;
  /** Client key as PEM text, if given. */
  readonly key: string | undefined;
  /** Name checked against the certificate; `''` for the service name. */
  readonly serverName: string;
  /** Whether the pods' certificate is checked. */
  readonly rejectUnauthorized: boolean;
}
