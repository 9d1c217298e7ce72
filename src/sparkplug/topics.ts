/** Sparkplug B topic names (specification 3.0, section 4.1). */
export const NAMESPACE = 'spBv1.0';

export type NodeMessage = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD';
export type DeviceMessage = 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD';

export const nodeTopic = (groupId: string, type: NodeMessage, edgeNodeId: string) => `${NAMESPACE}/${groupId}/${type}/${edgeNodeId}`;

export const deviceTopic = (groupId: string, type: DeviceMessage, edgeNodeId: string, deviceId: string) =>
  `${NAMESPACE}/${groupId}/${type}/${edgeNodeId}/${deviceId}`;

export const stateTopic = (hostId: string) => `${NAMESPACE}/STATE/${hostId}`;
