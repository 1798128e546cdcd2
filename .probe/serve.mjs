// scratch: serve dist with options from env JSON
const { createSandbox } = await import('/work/main/dist/index.js');
const sb = createSandbox(JSON.parse(process.env.OPTS ?? '{}'));
await sb.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => sb.close().then(() => process.exit(0)));
