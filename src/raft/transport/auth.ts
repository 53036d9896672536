import { createHmac, timingSafeEqual } from 'node:crypto';
import { assert } from '../../util/assert.js';

/** Everything both sides agree on once HELLO has been sent; proofs are computed over it. */
export interface HandshakeTranscript {
  clusterId: string;
  dialerId: number;
  acceptorId: number;
  /** Fresh per connection from the dialer (carried in HELLO). */
  dialerNonce: Uint8Array;
  /** Fresh per connection from the acceptor (carried in CHALLENGE). */
  acceptorNonce: Uint8Array;
}

export type HandshakeRole = 'dialer' | 'acceptor';

/**
 * The hook for authenticating peers. The dialer attaches `prove('dialer', t)` to its HELLO and the
 * acceptor checks it with `verify('dialer', t, proof)`; the acceptor answers with
 * `prove('acceptor', t)` in WELCOME, checked by the dialer. A TLS-based scheme can verify the peer
 * certificate in `verify` and return empty proofs. Proofs must stay under 1 KiB (they travel in a
 * handshake frame).
 */
export interface HandshakeAuthenticator {
  readonly name: string;
  prove(role: HandshakeRole, transcript: HandshakeTranscript): Uint8Array;
  verify(role: HandshakeRole, transcript: HandshakeTranscript, proof: Uint8Array): boolean;
}

/** The default: no authentication, empty proofs; a non-empty proof is refused as a misconfiguration. */
export const noAuthentication: HandshakeAuthenticator = Object.freeze({
  name: 'none',
  prove: (): Uint8Array => new Uint8Array(0),
  verify: (_role: HandshakeRole, _t: HandshakeTranscript, proof: Uint8Array): boolean => proof.byteLength === 0,
});

/**
 * HMAC-SHA256 over the transcript with a secret shared by all nodes of the cluster. Binding both
 * nonces, both ids, the cluster and the role makes a proof useless on any other connection or in the
 * other direction.
 */
export class SharedSecretAuthenticator implements HandshakeAuthenticator {
  readonly name = 'hmac-sha256';
  private readonly secret: Buffer;

  constructor(secret: Uint8Array) {
    assert(secret.byteLength >= 16, 'shared secret must be at least 16 bytes');
    this.secret = Buffer.from(secret);
  }

  prove(role: HandshakeRole, t: HandshakeTranscript): Uint8Array {
    const h = createHmac('sha256', this.secret);
    h.update(`chronik-transport-v1\0${role}\0${t.clusterId}\0${t.dialerId}\0${t.acceptorId}\0`);
    h.update(t.dialerNonce);
    h.update(t.acceptorNonce);
    return h.digest();
  }

  verify(role: HandshakeRole, t: HandshakeTranscript, proof: Uint8Array): boolean {
    const expected = this.prove(role, t);
    return proof.byteLength === expected.byteLength && timingSafeEqual(proof, expected);
  }
}
