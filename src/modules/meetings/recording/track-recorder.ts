import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import type { types as ms } from 'mediasoup';

/** The container a codec is written into without re-encoding: WebM for VP8/VP9/Opus, Matroska otherwise. */
export function containerFor(mimeType: string): { extension: 'webm' | 'mkv'; contentType: string; kind: string } {
  const codec = mimeType.split('/')[1]?.toLowerCase() ?? '';
  const kind = mimeType.split('/')[0]?.toLowerCase() ?? 'video';
  if (['vp8', 'vp9', 'opus'].includes(codec)) {
    return { extension: 'webm', contentType: `${kind}/webm`, kind };
  }
  return { extension: 'mkv', contentType: `${kind}/x-matroska`, kind };
}

/** The SDP that tells ffmpeg what arrives on `rtpPort`/`rtcpPort`: the consumer's one codec. */
export function sdpFor(kind: ms.MediaKind, rtpParameters: ms.RtpParameters, rtpPort: number, rtcpPort: number): string {
  const codec = rtpParameters.codecs[0];
  const name = codec.mimeType.split('/')[1];
  const rtpmap = `${codec.payloadType} ${name}/${codec.clockRate}${codec.channels && codec.channels > 1 ? `/${codec.channels}` : ''}`;
  const fmtp = Object.entries((codec.parameters ?? {}) as Record<string, unknown>)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(';');
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=switchboard-recording',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=${kind} ${rtpPort} RTP/AVP ${codec.payloadType}`,
    `a=rtcp:${rtcpPort}`,
    `a=rtpmap:${rtpmap}`,
    ...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
    'a=recvonly',
    '',
  ].join('\n');
}

/** Two free adjacent UDP ports on loopback (RTP, RTCP), found by binding and releasing them. */
async function freePortPair(): Promise<[number, number]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const rtp = await bindUdp(0);
    const port = rtp.address().port;
    const rtcp = await bindUdp(port + 1).catch(() => undefined);
    rtp.close();
    if (rtcp) {
      rtcp.close();
      return [port, port + 1];
    }
  }
  throw new Error('no free UDP port pair for the recorder');
}

function bindUdp(port: number): Promise<ReturnType<typeof createSocket>> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

export interface TrackRecording {
  /** Resolves when ffmpeg has finished the file (after `stop()`, or when it failed on its own). */
  readonly done: Promise<{ exitCode: number | null; stderr: string }>;
  stop(): Promise<{ exitCode: number | null; stderr: string }>;
}

/**
 * Records one producer into `file`: a PlainTransport on the producer's router sends a consumer of it over RTP to an
 * ffmpeg process on loopback, which writes the packets into a container without re-encoding. Video asks the
 * producer for key frames until the recorder has had time to start. `stop()` lets ffmpeg finish the file (SIGINT;
 * SIGKILL after 10 s), then closes the transport.
 */
export async function recordTrack(
  router: ms.Router,
  producer: ms.Producer,
  file: string,
  ffmpegPath: string,
): Promise<TrackRecording> {
  const [rtpPort, rtcpPort] = await freePortPair();
  const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: false, comedia: false });
  let ffmpeg: ChildProcess | undefined;
  try {
    await transport.connect({ ip: '127.0.0.1', port: rtpPort, rtcpPort });
    const consumer = await transport.consume({
      producerId: producer.id,
      rtpCapabilities: router.rtpCapabilities,
      paused: true,
    });
    const sdpFile = `${file}.sdp`;
    await writeFile(sdpFile, sdpFor(consumer.kind, consumer.rtpParameters, rtpPort, rtcpPort));
    ffmpeg = spawn(
      ffmpegPath,
      [
        '-nostdin',
        '-loglevel',
        'error',
        '-protocol_whitelist',
        'file,udp,rtp',
        '-fflags',
        '+genpts',
        // Start writing after 2 s of probing (a key frame gives the video's size), not the default 5 s.
        '-analyzeduration',
        '2000000',
        '-i',
        sdpFile,
        '-map',
        '0',
        '-c',
        'copy',
        '-y',
        file,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const child = ffmpeg;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const done = new Promise<{ exitCode: number | null; stderr: string }>((resolve) => {
      child.once('error', (error) => resolve({ exitCode: null, stderr: `${stderr}${error.message}` }));
      child.once('exit', (code) => resolve({ exitCode: code, stderr }));
    });
    // ffmpeg needs a moment to open its ports; then media flows, video starting on a key frame.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.resume();
    const keyFrames =
      consumer.kind === 'video'
        ? setInterval(() => void consumer.requestKeyFrame().catch(() => undefined), 1000)
        : undefined;
    const stopKeyFrames = setTimeout(() => clearInterval(keyFrames), 5000);
    void done.finally(() => {
      clearInterval(keyFrames);
      clearTimeout(stopKeyFrames);
      transport.close();
    });
    return {
      done,
      stop: async () => {
        clearInterval(keyFrames);
        if (child.exitCode === null && child.signalCode === null) {
          // ffmpeg notices one SIGINT between packets (so media keeps flowing meanwhile); blocked on a silent input
          // it needs a second one.
          child.kill('SIGINT');
          const again = setTimeout(() => child.kill('SIGINT'), 2_000);
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await done;
          clearTimeout(again);
          clearTimeout(killer);
        }
        transport.close();
        return done;
      },
    };
  } catch (error) {
    transport.close();
    ffmpeg?.kill('SIGKILL');
    throw error;
  }
}
