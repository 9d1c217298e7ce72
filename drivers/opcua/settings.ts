/** The `connection` block of an OPC UA device. */
import { type Static, Type } from '@sinclair/typebox';
import { Enum, KindUnion } from '../../src/config/schema-kit.ts';

export const SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
/** The policies node-opcua supports that are not deprecated. */
export const SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;

export const OpcuaConnectionSchema = Type.Object(
  {
    endpointUrl: Type.String({ pattern: '^opc\\.tcp://[^/\\s]+', description: 'opc.tcp://host:port[/path]' }),
    securityMode: Enum([...SECURITY_MODES], { default: 'None', description: 'Message security: None, Sign, or SignAndEncrypt' }),
    securityPolicy: Enum([...SECURITY_POLICIES], { default: 'None', description: 'None with mode None; a signing policy (e.g. Basic256Sha256) otherwise' }),
    identity: KindUnion(
      [
        Type.Object({ kind: Type.Literal('anonymous') }, { additionalProperties: false }),
        Type.Object(
          { kind: Type.Literal('username'), username: Type.String({ minLength: 1 }), password: Type.String({ writeOnly: true }) },
          { additionalProperties: false },
        ),
        Type.Object(
          {
            kind: Type.Literal('certificate'),
            certificateFile: Type.String({ minLength: 1, description: 'The user certificate (PEM or DER)' }),
            privateKeyFile: Type.String({ minLength: 1, description: "The certificate's private key (PEM)" }),
          },
          { additionalProperties: false },
        ),
      ],
      'Who the session acts as',
    ),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'Timeout of one request' }),
    sessionTimeoutMs: Type.Integer({ minimum: 10_000, maximum: 3_600_000, default: 60_000, description: 'How long the server keeps the session without us' }),
    maxNodesPerRead: Type.Integer({
      minimum: 0,
      maximum: 100_000,
      default: 0,
      description: "Nodes per Read request; 0 takes the server's MaxNodesPerRead (or 1000 when it sets none)",
    }),
  },
  { additionalProperties: false },
);

export type OpcuaConnection = Static<typeof OpcuaConnectionSchema>;

/** Mode and policy must agree: no policy without security, no security without a policy. */
export function checkSecurity(c: OpcuaConnection): string | undefined {
  if (c.securityMode === 'None' && c.securityPolicy !== 'None') return `security mode None takes policy None, not ${c.securityPolicy}`;
  if (c.securityMode !== 'None' && c.securityPolicy === 'None') return `security mode ${c.securityMode} needs a policy, e.g. Basic256Sha256`;
  return undefined;
}
