/** How the transport carried the message (for dead letters and audit). */
export interface Transport {
  kind: 'pubsub' | 'cloudEvent' | 'direct';
  /** Pub/Sub message id or CloudEvent id. */
  id?: string;
  subscription?: string;
}
