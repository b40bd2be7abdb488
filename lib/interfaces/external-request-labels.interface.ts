/** One call to an external service, as the original's `inc_external_requests(...)` described it. */
export interface ExternalRequestLabels {
  /** `request_to`: the service called, e.g. `'salesforce'`. */
  readonly requestTo: string;
  /** `request_endpoint`: the endpoint or operation called. Default `''`. */
  readonly requestEndpoint?: string;
  /** `request_type`: e.g. the HTTP method. Default `''`. */
  readonly requestType?: string;
  /** `is_bulk`: `true` is written `1`, `false` `0`, a number as itself. Default `0`, as the original. */
  readonly isBulk?: boolean | number;
  /** `status_code`: the answer's status. Default `200`, as the original. */
  readonly statusCode?: number | string;
}
