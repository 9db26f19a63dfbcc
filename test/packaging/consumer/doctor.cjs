const { runDoctor, renderReport } = require('@goneaway/doctor');

async function main() {
  const report = await runDoctor({ url: process.env.DATABASE_URL, poolMax: 10, instances: 2 });
  const text = renderReport(report, { color: false });
  console.log(
    JSON.stringify({
      connected: report.connected,
      exitCode: report.exitCode,
      findings: report.connected ? report.findings.map((f) => f.id) : [],
      passwordShown: text.includes(new URL(process.env.DATABASE_URL).password),
    }),
  );
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
