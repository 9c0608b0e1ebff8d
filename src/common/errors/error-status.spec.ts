import { PlatformErrorCode } from './app-error';
import { codeForStatus } from './error-status';

describe(codeForStatus.name, () => {
  it('should map statuses to the general platform code', () => {
    expect(codeForStatus(400)).toBe(PlatformErrorCode.BadRequest);
    expect(codeForStatus(404)).toBe(PlatformErrorCode.NotFound);
    expect(codeForStatus(413)).toBe(PlatformErrorCode.PayloadTooLarge);
    expect(codeForStatus(429)).toBe(PlatformErrorCode.RateLimited);
    expect(codeForStatus(503)).toBe(PlatformErrorCode.ServiceUnavailable);
  });

  it('should fall back by class for statuses without a code', () => {
    expect(codeForStatus(418)).toBe(PlatformErrorCode.BadRequest);
    expect(codeForStatus(502)).toBe(PlatformErrorCode.Internal);
  });
});
