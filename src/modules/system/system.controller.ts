import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { SystemInfoDto } from './system.dto';
import { SystemService } from './system.service';
import { Public } from 'src/common/auth/auth.decorators';

@Public()
@ApiTags('system')
@Controller('system')
export class SystemController {
  constructor(private readonly system: SystemService) {}

  @Get('info')
  @ApiOperation({
    operationId: 'getSystemInfo',
    summary: 'Server name, version and clock',
    description:
      'Returns the server name, version and current server time, so clients can check compatibility and clock ' +
      'skew. Public.',
  })
  @ApiOkResponse({ type: SystemInfoDto })
  @ApiErrorResponses()
  info(): SystemInfoDto {
    return this.system.info();
  }
}
