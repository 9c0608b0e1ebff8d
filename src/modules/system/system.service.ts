import { Injectable } from '@nestjs/common';
import { PACKAGE } from 'src/common/package-info';
import { SystemInfoDto } from './system.dto';

@Injectable()
export class SystemService {
  info(): SystemInfoDto {
    return { name: PACKAGE.name, version: PACKAGE.version, apiVersion: 'v1', serverTime: new Date().toISOString() };
  }
}
