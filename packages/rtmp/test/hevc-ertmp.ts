/**
 * Test-side Enhanced RTMP packaging of HEVC, both ways, so a real libx265 bitstream can go through
 * the gateway and come back to a real decoder. Neither Debian 12's ffmpeg 5.1 (its FLV muxer refuses
 * HEVC; Enhanced RTMP arrived in ffmpeg 6.1) nor GStreamer 1.22 (flvmux has no HEVC caps; eflvmux
 * came in 1.24) can publish HEVC over RTMP, so this stands in for the encoder's muxer only.
 */

/** NAL units of an Annex B stream (start codes removed). */
export function splitAnnexB(b: Buffer): Buffer[] {
  const starts: Array<{ at: number; len: number }> = [];
  for (let i = 0; i + 3 <= b.length; i++) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      const four = i > 0 && b[i - 1] === 0;
      starts.push({ at: four ? i - 1 : i, len: four ? 4 : 3 });
      i += 2;
    }
  }
  return starts.map((s, k) => b.subarray(s.at + s.len, k + 1 < starts.length ? starts[k + 1]!.at : b.length));
}

/** HEVC NAL unit type. */
export const nalType = (nal: Buffer): number => (nal[0]! >> 1) & 0x3f;

/** Access units of an x265 stream encoded with `aud=1`: each starts at an access unit delimiter (35). */
export function accessUnits(nals: Buffer[]): Buffer[][] {
  const aus: Buffer[][] = [];
  for (const n of nals) {
    if (nalType(n) === 35 || aus.length === 0) aus.push([]);
    aus.at(-1)!.push(n);
  }
  return aus;
}

function unescapeRbsp(nal: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]!);
  }
  return Buffer.from(out);
}

/** HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3) from VPS, SPS and PPS. */
export function hvcC(vps: Buffer, sps: Buffer, pps: Buffer): Buffer {
  // SPS RBSP: byte 2 = vps id / max sub layers / nesting, then the 12-byte general profile_tier_level.
  const r = unescapeRbsp(sps);
  const ptl = r.subarray(3, 15);
  const head = Buffer.from([
    1,
    ...ptl, // profile space/tier/idc, 32 compatibility flags, 48 constraint flags, level_idc
    0xf0,
    0x00, // min_spatial_segmentation_idc 0
    0xfc, // parallelismType 0
    0xfd, // chroma_format_idc 1 (4:2:0)
    0xf8, // bit_depth_luma_minus8 0
    0xf8, // bit_depth_chroma_minus8 0
    0x00,
    0x00, // avgFrameRate unknown
    0x0f, // constantFrameRate 0, numTemporalLayers 1, temporalIdNested 1, lengthSizeMinusOne 3
    3, // arrays: VPS, SPS, PPS
  ]);
  const array = (type: number, nal: Buffer) => {
    const h = Buffer.alloc(5);
    h[0] = 0x80 | type; // array_completeness
    h.writeUInt16BE(1, 1);
    h.writeUInt16BE(nal.length, 3);
    return Buffer.concat([h, nal]);
  };
  return Buffer.concat([head, array(32, vps), array(33, sps), array(34, pps)]);
}

/** Enhanced RTMP video tag: SequenceStart with the hvcC. */
export function exSequenceStart(config: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x80 | (1 << 4) | 0]), Buffer.from('hvc1', 'latin1'), config]);
}

/** Enhanced RTMP video tag: CodedFramesX (no composition offset: the stream has no B-frames). */
export function exCodedFrames(nals: Buffer[], keyframe: boolean): Buffer {
  const parts: Buffer[] = [
    Buffer.from([0x80 | ((keyframe ? 1 : 2) << 4) | 3]),
    Buffer.from('hvc1', 'latin1'),
  ];
  for (const n of nals) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(n.length);
    parts.push(len, n);
  }
  return Buffer.concat(parts);
}

const START = Buffer.from([0, 0, 0, 1]);

/**
 * The Annex B bytes a player would hand its decoder for a received Enhanced RTMP HEVC tag: the
 * parameter sets of a SequenceStart, the NAL units of CodedFrames / CodedFramesX. Null for others.
 */
export function exTagToAnnexB(tag: Buffer): Buffer | null {
  if (!(tag[0]! & 0x80) || tag.toString('latin1', 1, 5) !== 'hvc1') return null;
  const packetType = tag[0]! & 0x0f;
  const out: Buffer[] = [];
  if (packetType === 0) {
    const c = tag.subarray(5);
    let p = 23;
    const arrays = c[22]!;
    for (let a = 0; a < arrays; a++) {
      const n = c.readUInt16BE(p + 1);
      p += 3;
      for (let k = 0; k < n; k++) {
        const len = c.readUInt16BE(p);
        out.push(START, c.subarray(p + 2, p + 2 + len));
        p += 2 + len;
      }
    }
    return Buffer.concat(out);
  }
  if (packetType !== 1 && packetType !== 3) return null;
  let p = packetType === 1 ? 8 : 5; // CodedFrames carries a 24-bit composition time offset
  while (p + 4 <= tag.length) {
    const len = tag.readUInt32BE(p);
    out.push(START, tag.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return Buffer.concat(out);
}
