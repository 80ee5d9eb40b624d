/**
 * The link between signaling and a media gateway, in one place: the authorizers (in-process through
 * signaling, local signed-URL check, remote through a signaling node's hooks), the embedded gateway's
 * event wiring, and {@link startNode}, the composition of a whole node.
 * @packageDocumentation
 */
export { refusal, signalingAuthorizer, signedUrlAuthorizer } from './authorizers.js';
export { gatewayStats, linkEmbeddedGateway } from './gateway-link.js';
export { type MediaTag, tagOf } from './media-tag.js';
export { type EmbeddedGatewayOptions, type MiniRtcNode, type NodeOptions, startNode } from './node.js';
export { RemoteAuthorizer, type RemoteTag, linkRemoteSignaling } from './remote-authorizer.js';
