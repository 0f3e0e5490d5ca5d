import { expect } from 'chai';
import { ExitCode } from '../../../src/common/errors.js';
import { CHECK_IDS, exitCodeOf, inReportOrder, line, reportJson, verdictOf, type CheckLine, type CheckReport } from '../../../src/check/check-report.js';
import { renderReport, verdictLine } from '../../../src/check/check-table.js';

const report = (checks: CheckLine[]): CheckReport => ({
  image: 'course:v1',
  imageId: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  uid: 1000771234,
  jupyter: '/opt/conda/bin/jupyter',
  builder: false,
  checks,
  seconds: 12.5,
});

const allPass = () => CHECK_IDS.map((id) => line(id, 'pass', `${id} is fine`));

describe('check report: the verdict', () => {
  it('would run when every line passes or is skipped: exit 0', () => {
    const checks = allPass().map((c) => (c.id === 's2i' ? line('s2i', 'skip', 'not a builder') : c));
    expect(verdictOf(checks)).to.deep.equal({ wouldRun: true, fails: 0, warnings: 0 });
    expect(exitCodeOf(report(checks))).to.equal(ExitCode.ok);
  });

  it('would still run with warnings: exit 0, the warnings counted', () => {
    const checks = allPass().map((c) => (c.id === 'healthcheck' || c.id === 'port' ? line(c.id, 'warn', 'none', 'add one') : c));
    expect(verdictOf(checks)).to.deep.equal({ wouldRun: true, fails: 0, warnings: 2 });
    expect(exitCodeOf(report(checks))).to.equal(0);
  });

  it('would not run when any line fails: exit 1', () => {
    const checks = allPass().map((c) => (c.id === 'set-id' ? line('set-id', 'fail', 'su beside a writable /etc/passwd', 'chmod ug-s') : c));
    expect(verdictOf(checks)).to.deep.equal({ wouldRun: false, fails: 1, warnings: 0 });
    expect(exitCodeOf(report(checks)))
      .to.equal(ExitCode.wouldNotRun)
      .and.to.equal(1);
  });

  it('puts the lines in the report order whatever order they were found in', () => {
    expect(inReportOrder([...allPass()].reverse()).map((c) => c.id)).to.deep.equal([...CHECK_IDS]);
  });
});

describe('check report: --json', () => {
  it('is the verdict (ok as the exit code says), the image, the UID with group 0, and every line with its title', () => {
    const checks = [
      line('user', 'fail', 'USER jovyan is a name', 'declare USER 1000'),
      { ...line('stays-up', 'fail', 'exited'), log: ['Traceback', 'PermissionError'] },
    ];
    const json = reportJson(report(checks));
    expect(json).to.deep.equal({
      ok: false,
      wouldRun: false,
      fails: 2,
      warnings: 0,
      image: 'course:v1',
      imageId: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      uid: 1000771234,
      gid: 0,
      jupyter: '/opt/conda/bin/jupyter',
      builder: false,
      seconds: 12.5,
      checks: [
        { id: 'user', title: 'USER', status: 'fail', found: 'USER jovyan is a name', advice: 'declare USER 1000' },
        { id: 'stays-up', title: 'stays up', status: 'fail', found: 'exited', advice: '', log: ['Traceback', 'PermissionError'] },
      ],
    });
  });

  it('gives every path a finding is about where the table names only a few', () => {
    const checks = [{ ...line('set-id', 'fail', '4 set-id files (a, b, c, and 1 more)', 'chmod ug-s'), paths: ['/a', '/b', '/c', '/d'] }];
    expect(reportJson(report(checks)).checks[0]).to.deep.include({ id: 'set-id', paths: ['/a', '/b', '/c', '/d'] });
  });

  it('gives jupyter null for an image that is not a Jupyter image', () => {
    const plain = report(allPass());
    delete plain.jupyter;
    expect(reportJson(plain).jupyter).to.equal(null);
    expect(reportJson(plain).ok).to.equal(true);
  });
});

describe('check report: the table', () => {
  it('names the image and the UID, gives a row per line, the advice under a wanting row, then the verdict', () => {
    const text = renderReport(
      report([
        line('user', 'pass', 'USER 1000: numeric, not root'),
        line('healthcheck', 'warn', 'no HEALTHCHECK', 'add a HEALTHCHECK'),
        line('s2i', 'skip', 'not a builder'),
      ]),
    );
    expect(text.split('\n')).to.deep.equal([
      'course:v1 (0123456789ab), started as uid 1000771234, group 0',
      '',
      'RESULT  CHECK         FOUND',
      'pass    USER          USER 1000: numeric, not root',
      'warn    health check  no HEALTHCHECK',
      '                      advice: add a HEALTHCHECK',
      'skip    S2I builder   not a builder',
      '',
      'would run (OpenShift restricted-v2 and Kubernetes restricted, any UID with group 0): 1 warning',
      '',
    ]);
  });

  it('shows what the image said with control characters escaped: it cannot add a row or drive the terminal', () => {
    const text = renderReport(
      report([line('user', 'fail', 'USER a\nfail    HOME writable  fake', 'x'), line('stays-up', 'fail', 'exited: \u001b]0;pwned\u0007 boom', 'y')]),
    );
    expect(text.includes('\u001b') || text.includes('\u0007')).to.equal(false);
    expect(text.split('\n').filter((l) => l.startsWith('fail'))).to.deep.equal([
      'fail    USER      USER a\\nfail    HOME writable  fake',
      'fail    stays up  exited: \\u001b]0;pwned\\u0007 boom',
    ]);
  });

  it('says "would NOT run" with the fails and warnings counted', () => {
    const checks = [line('user', 'fail', 'a', 'b'), line('home', 'fail', 'c', 'd'), line('port', 'warn', 'e', 'f')];
    expect(verdictLine(report(checks))).to.equal('would NOT run (OpenShift restricted-v2 and Kubernetes restricted, any UID with group 0): 2 fails, 1 warning');
  });

  it('says only "would run" when nothing is wanting', () => {
    expect(verdictLine(report(allPass()))).to.equal('would run (OpenShift restricted-v2 and Kubernetes restricted, any UID with group 0)');
  });
});
