import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nextNonce, signKrakenRequest } from './kraken-rest.js';

describe('Function: signKrakenRequest', () => {
  it("matches Kraken's documented example signature", () => {
    // From Kraken's REST authentication guide.
    const secret = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';
    const postData = 'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25';
    expect(signKrakenRequest('/0/private/AddOrder', '1616492376594', postData, secret)).toBe(
      '4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==',
    );
  });

  it('is the HMAC-SHA512 of path + SHA256(nonce + body) under the decoded secret', () => {
    const secret = Buffer.from('s3cret').toString('base64');
    const expected = createHmac('sha512', Buffer.from('s3cret'))
      .update(Buffer.concat([Buffer.from('/0/private/Balance'), createHash('sha256').update('1nonce=1').digest()]))
      .digest('base64');
    expect(signKrakenRequest('/0/private/Balance', '1', 'nonce=1', secret)).toBe(expected);
  });
});

describe('Function: nextNonce', () => {
  it('strictly increases, even within the same millisecond', () => {
    const a = BigInt(nextNonce(1_000));
    const b = BigInt(nextNonce(1_000));
    const c = BigInt(nextNonce(999));
    expect(b > a && c > b).toBe(true);
  });
});
