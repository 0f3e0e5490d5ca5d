import { expect } from 'chai';
import { healthcheckLine, portLine } from '../../../src/check/config-checks.js';

describe('check: exposed port and health check (warnings only)', () => {
  it('passes an exposed port, and warns when there is none', () => {
    expect(portLine({ exposedPorts: ['8888/tcp'] }, true)).to.deep.include({ status: 'pass', found: 'exposes 8888/tcp' });
    expect(portLine({ exposedPorts: [] }, true)).to.deep.include({ status: 'warn', found: 'no EXPOSE' });
    expect(portLine({ exposedPorts: [] }, true).advice).to.contain('EXPOSE 8888');
    expect(portLine({ exposedPorts: [] }, false).advice).to.contain('EXPOSE <port>');
  });

  it("warns about a Jupyter image that does not expose Jupyter's port", () => {
    expect(portLine({ exposedPorts: ['8080/tcp'] }, true)).to.deep.include({ status: 'warn', found: "exposes 8080/tcp, not Jupyter's 8888/tcp" });
    expect(portLine({ exposedPorts: ['8080/tcp'] }, false).status).to.equal('pass');
  });

  it('passes a HEALTHCHECK, shown as its command; warns when there is none or it is switched off', () => {
    expect(healthcheckLine({ healthcheck: ['CMD-SHELL', '/etc/jupyter/docker_healthcheck.py || exit 1'] }, true)).to.deep.include({
      status: 'pass',
      found: 'HEALTHCHECK /etc/jupyter/docker_healthcheck.py || exit 1',
    });
    expect(healthcheckLine({ healthcheck: ['CMD', 'curl', '-f', 'http://localhost/'] }, false).found).to.equal('HEALTHCHECK curl -f http://localhost/');
    expect(healthcheckLine({ healthcheck: null }, true)).to.deep.include({ status: 'warn', found: 'no HEALTHCHECK' });
    expect(healthcheckLine({ healthcheck: ['NONE'] }, true)).to.deep.include({ status: 'warn', found: 'HEALTHCHECK NONE (switched off)' });
  });
});
