export { MessageType, SyncStep, AuthKind, PROTOCOL_VERSION, SIDECAR_QUERY_PARAM, Feature, ALL_FEATURES } from './message-types.ts';
export {
  CloseCode,
  CLOSE_CODES,
  closeInfo,
  RejectReason,
  REJECT_REASON_CODES,
  rejectReasonFromCode,
  type CloseCodeInfo,
} from './close-codes.ts';
export {
  encodeMessage,
  encodeRoomEnvelope,
  decodeMessage,
  ProtocolDecodeError,
  type ProtocolMessage,
  type ProtocolMessageType,
  type RoomScopedMessage,
} from './messages.ts';
export { docChecksum } from './checksum.ts';
export { encodeDeleteSet, decodeDeleteSet, type DeleteRanges } from './delete-set.ts';
export { ASSET_TYPES, type AssetType, isAssetType, isAssetHash, assetsPath, assetPath } from './assets.ts';
export { settlePendingStructs } from './pending-structs.ts';
