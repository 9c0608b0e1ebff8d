import { AddressClass, AddressNotAllowedError, AddressPolicy, AllowList, classifyAddress } from './address-policy';

describe('address policy', () => {
  describe('classifyAddress', () => {
    const cases: [string, AddressClass | undefined][] = [
      ['93.184.216.34', AddressClass.Public],
      ['8.8.8.8', AddressClass.Public],
      ['2606:2800:220:1::248', AddressClass.Public],
      ['2a00:1450:4001:82a::200e', AddressClass.Public],
      ['10.0.0.1', AddressClass.Private],
      ['172.16.0.1', AddressClass.Private],
      ['172.31.255.255', AddressClass.Private],
      ['172.32.0.1', AddressClass.Public],
      ['192.168.1.1', AddressClass.Private],
      ['100.64.0.1', AddressClass.Private],
      ['100.127.255.254', AddressClass.Private],
      ['fd12:3456::1', AddressClass.Private],
      ['fc00::1', AddressClass.Private],
      ['127.0.0.1', AddressClass.Loopback],
      ['127.255.0.9', AddressClass.Loopback],
      ['::1', AddressClass.Loopback],
      ['169.254.1.1', AddressClass.LinkLocal],
      ['fe80::1', AddressClass.LinkLocal],
      ['fe80::1%eth0', AddressClass.LinkLocal],
      ['169.254.169.254', AddressClass.Metadata],
      ['169.254.170.2', AddressClass.Metadata],
      ['100.100.100.200', AddressClass.Metadata],
      ['fd00:ec2::254', AddressClass.Metadata],
      ['0.0.0.0', AddressClass.Unspecified],
      ['0.1.2.3', AddressClass.Unspecified],
      ['::', AddressClass.Unspecified],
      ['224.0.0.1', AddressClass.Multicast],
      ['239.255.255.250', AddressClass.Multicast],
      ['ff02::1', AddressClass.Multicast],
      ['255.255.255.255', AddressClass.Reserved],
      ['240.0.0.1', AddressClass.Reserved],
      ['192.0.2.10', AddressClass.Reserved],
      ['198.18.0.1', AddressClass.Reserved],
      ['2001:db8::1', AddressClass.Reserved],
      ['3fff::1', AddressClass.Reserved],
      ['4000::1', AddressClass.Reserved],
      ['::7f00:1', AddressClass.Reserved],
      // IPv6 forms that carry an IPv4 address are judged by it.
      ['::ffff:127.0.0.1', AddressClass.Loopback],
      ['::ffff:7f00:1', AddressClass.Loopback],
      ['::ffff:169.254.169.254', AddressClass.Metadata],
      ['::ffff:93.184.216.34', AddressClass.Public],
      ['64:ff9b::a9fe:a9fe', AddressClass.Metadata],
      ['64:ff9b::10.0.0.1', AddressClass.Private],
      ['64:ff9b::8.8.8.8', AddressClass.Public],
      ['2002:7f00:1::1', AddressClass.Loopback],
      ['2002:5db8:d822::1', AddressClass.Public],
      ['example.com', undefined],
      ['localhost', undefined],
    ];
    it.each(cases)('classifies %s as %s', (address, expected) => {
      expect(classifyAddress(address)).toBe(expected);
    });
  });

  describe('AllowList', () => {
    it('takes host names, addresses and CIDR ranges, comma or space separated', () => {
      const sut = new AllowList('mail.lan, 10.1.0.0/16 127.0.0.1,[::1],fd00::/8, Localhost.');
      expect(sut.covers('10.1.2.3')).toBe(true);
      expect(sut.covers('10.2.0.1')).toBe(false);
      expect(sut.covers('127.0.0.1')).toBe(true);
      expect(sut.covers('127.0.0.2')).toBe(false);
      expect(sut.covers('::1')).toBe(true);
      expect(sut.covers('fd12::1')).toBe(true);
      expect(sut.covers('192.168.1.5', 'MAIL.LAN')).toBe(true);
      expect(sut.covers('192.168.1.5', 'other.lan')).toBe(false);
      expect(sut.covers('::1', 'localhost')).toBe(true);
    });

    it.each(['10.0.0.0/33', '::1/129', '10.0.0.0/8/1', 'bad host!', '10.0.0.0/x', 'mail.lan/24'])(
      'refuses the entry %s',
      (entry) => {
        expect(() => new AllowList(entry)).toThrow(/"/);
      },
    );

    it('is empty for an empty string', () => {
      expect(new AllowList('').covers('127.0.0.1', 'localhost')).toBe(false);
    });
  });

  describe('AddressPolicy', () => {
    it('allows only public addresses by default', () => {
      const sut = new AddressPolicy();
      expect(sut.refusal('93.184.216.34')).toBeUndefined();
      expect(sut.refusal('10.0.0.1')).toBe(AddressClass.Private);
      expect(sut.refusal('127.0.0.1')).toBe(AddressClass.Loopback);
      expect(sut.refusal('not-an-address')).toBe(AddressClass.Reserved);
    });

    it('opens private ranges when allowed, but neither loopback nor metadata', () => {
      const sut = new AddressPolicy({ allow: [AddressClass.Private] });
      expect(sut.refusal('192.168.1.1')).toBeUndefined();
      expect(sut.refusal('fd12::1')).toBeUndefined();
      expect(sut.refusal('127.0.0.1')).toBe(AddressClass.Loopback);
      expect(sut.refusal('fd00:ec2::254')).toBe(AddressClass.Metadata);
      expect(sut.refusal('100.100.100.200')).toBe(AddressClass.Metadata);
    });

    it('lets an allow list open loopback and private addresses, never link-local or metadata', () => {
      const sut = new AddressPolicy({ allowList: new AllowList('127.0.0.1,localhost,169.254.0.0/16,10.0.0.0/8') });
      expect(sut.refusal('127.0.0.1')).toBeUndefined();
      expect(sut.refusal('::1', 'localhost')).toBeUndefined();
      expect(sut.refusal('::1', 'ip6-localhost')).toBe(AddressClass.Loopback);
      expect(sut.refusal('10.9.9.9')).toBeUndefined();
      expect(sut.refusal('192.168.0.1')).toBe(AddressClass.Private);
      expect(sut.refusal('169.254.169.254')).toBe(AddressClass.Metadata);
      expect(sut.refusal('169.254.1.1')).toBe(AddressClass.LinkLocal);
    });

    it('resolves literals without DNS and refuses what is not allowed', async () => {
      const sut = new AddressPolicy();
      await expect(sut.resolve('93.184.216.34')).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
      await expect(sut.resolve('[::1]')).rejects.toMatchObject({
        code: 'EADDRNOTALLOWED',
        addressClass: AddressClass.Loopback,
      });
      await expect(sut.resolve('localhost')).rejects.toBeInstanceOf(AddressNotAllowedError);
      await expect(sut.resolve('2130706433')).rejects.toMatchObject({ addressClass: AddressClass.Loopback });
    });

    it('checks what the socket connects to through its lookup', async () => {
      const sut = new AddressPolicy();
      const error = await new Promise<Error | null>((resolve) =>
        sut.lookup('localhost', { all: false }, (err: Error | null) => resolve(err)),
      );
      expect(error).toMatchObject({ code: 'EADDRNOTALLOWED', message: 'localhost resolves only to private addresses' });
      const allowed = new AddressPolicy({ allowList: new AllowList('localhost') });
      const address = await new Promise<string>((resolve, reject) =>
        allowed.lookup('localhost', { family: 4 }, (err, found) => (err ? reject(err) : resolve(found as string))),
      );
      expect(address).toBe('127.0.0.1');
    });
  });
});
