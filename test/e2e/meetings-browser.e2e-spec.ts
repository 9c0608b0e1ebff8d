import { startBrowserHarness, type BrowserHarness } from '../support/browser/browser-harness';

/**
 * Meetings end to end in real browsers: headless Chromium tabs with fake camera and microphone run the test page
 * (mediasoup-client + socket.io-client, test/support/browser/page) against the app's `/meetings` signalling and
 * the real mediasoup worker, and the assertions read WebRTC's own statistics.
 */
describe('meetings in Chromium: mediasoup-client over /meetings', () => {
  let browser: BrowserHarness;

  beforeAll(async () => {
    browser = await startBrowserHarness();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('serves the bundled client, and Chromium gives it a fake camera and microphone', async () => {
    const tab = await browser.participant('probe');
    const media = await tab.call('probeMedia');
    expect(media.audio).toEqual([expect.stringMatching(/^audio:live:/)]);
    expect(media.video).toEqual([expect.stringMatching(/^video:live:/)]);
    expect(media.videoSettings).toEqual({ width: 640, height: 360 });
    expect(media.handlerName).toBe('Chrome111');
    expect(tab.pageErrors).toEqual([]);
    await tab.page.close();
  });
});
