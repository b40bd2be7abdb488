/** The pusher's reports; declared in `interfaces/`, re-exported here for existing imports. */
export type {
  DiscoveryResult,
  PushReport,
  TargetResult,
} from '../interfaces/push-report.interface';
