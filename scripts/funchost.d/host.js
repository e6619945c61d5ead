'use strict';
// funchost: a local stand-in for Azure Functions Core Tools' `func host start`
// (which cannot be installed here), for Python apps of the function.json
// model.  Like the real host it is not a Python process: it serves the
// FunctionRpc gRPC service, starts one long-running Python worker
// (scripts/funcworker/worker.py, run by $FUNCHOST_PYTHON, default python3)
// that connects back to it and opens the EventStream, loads every function
// folder's function.json into it (WorkerInitRequest, FunctionsMetadataRequest,
// FunctionLoadRequest), routes HTTP requests for /api/<FunctionName> to it as
// InvocationRequests carrying an RpcHttp, and prints what the worker logs
// (RpcLog) and writes on its console as Core Tools does: "[timestamp] message".
//
// The protocol is taken at start-up from the worker's own Python: the
// generated FunctionRpc _pb2 modules are dumped as a FileDescriptorSet
// (scripts/funcworker/funcworker/dump_descriptors.py) and loaded with
// @grpc/proto-loader, so host and worker cannot disagree on a field.

const path = require('path');
const fs = require('fs');
const http = require('http');
const crypto = require('crypto');
const readline = require('readline');
const { spawn, execFileSync } = require('child_process');
const { createRequire } = require('module');

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = process.env.MEMLINE_BUILD || path.join(ROOT, 'build');
const NODE_DIR = path.join(BUILD, 'funchost-node');
const WORKER_DIR = path.join(ROOT, 'scripts', 'funcworker');
const HOST_VERSION = '4.0.0-funchost';

function usage() {
	return `usage: funchost [--port N] [--verbose] [APP_DIR]

A stand-in for Azure Functions Core Tools' "func host start" (Core Tools
cannot be installed here): a Node.js host that starts one Python worker
(scripts/funcworker, run by $FUNCHOST_PYTHON, default python3), talks
FunctionRpc to it over gRPC, and serves GET/POST /api/<FunctionName> on
127.0.0.1 for the function.json app in APP_DIR (default: the current
directory).  App settings come from APP_DIR/local.settings.json ("Values"),
and a variable already set in the environment wins, as with Core Tools.

  --port N     HTTP port (default 7071)
  --verbose    also print the worker's system logs
  -h, --help   this text

Environment: FUNCHOST_PYTHON (the worker's Python, default python3);
FUNCHOST_TRANSCRIPT=FILE appends every RpcLog and worker console line
received to FILE as JSON lines.  Install the dependencies first:
scripts/setup-azure PYTHON (then FUNCHOST_PYTHON=build/azure-venv/NAME/bin/python).
See examples/azure-functions/README.md.`;
}

function die(msg, code = 2) {
	process.stderr.write(`funchost: ${msg}\n`);
	process.exit(code);
}

// ---- arguments ----
let port = 7071;
let verbose = false;
let appDir = null;
{
	const argv = process.argv.slice(2);
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '-h' || a === '--help') { process.stdout.write(usage() + '\n'); process.exit(0); }
		else if (a === '--port' || a === '-p') {
			const v = argv[++i];
			if (!/^\d+$/.test(v || '') || +v < 1 || +v > 65535) die(`--port needs a port number, not ${JSON.stringify(v)}`);
			port = +v;
		} else if (a.startsWith('--port=')) {
			const v = a.slice(7);
			if (!/^\d+$/.test(v) || +v < 1 || +v > 65535) die(`--port needs a port number, not ${JSON.stringify(v)}`);
			port = +v;
		} else if (a === '--verbose') verbose = true;
		else if (a.startsWith('-')) die(`unknown option ${a}\ntry 'funchost --help'`);
		else if (appDir === null) appDir = a;
		else die(`unexpected argument ${a}\ntry 'funchost --help'`);
	}
	appDir = path.resolve(appDir || '.');
	if (!fs.existsSync(path.join(appDir, 'host.json'))) die(`${appDir} is not a function app (no host.json)`);
}

let grpc, protoLoader;
try {
	const req = createRequire(path.join(NODE_DIR, 'package.json'));
	grpc = req('@grpc/grpc-js');
	protoLoader = req('@grpc/proto-loader');
} catch (e) {
	die(`its Node.js packages are missing from ${NODE_DIR}: run scripts/setup-azure first`);
}

// ---- console, as Core Tools prints it ----
function ts() { return new Date().toISOString(); }
function log(msg) {
	for (const line of String(msg).split('\n')) process.stdout.write(`[${ts()}] ${line}\n`);
}
function plain(msg) { process.stdout.write(msg + '\n'); }

// FUNCHOST_TRANSCRIPT=FILE: one JSON line per RpcLog and per worker console
// line, as received, for tests and debugging (not a Core Tools feature).
const transcriptFd = process.env.FUNCHOST_TRANSCRIPT ? fs.openSync(process.env.FUNCHOST_TRANSCRIPT, 'a') : null;
function transcript(obj) {
	if (transcriptFd !== null) fs.writeSync(transcriptFd, JSON.stringify({ time: ts(), ...obj }) + '\n');
}

// ---- the app: settings and function.json indexing ----
// A relative path is the caller's, not the app directory's (the worker's cwd).
const pythonExe = (p => (p.includes('/') ? path.resolve(p) : p))(process.env.FUNCHOST_PYTHON || 'python3');
const settings = {};
{
	const p = path.join(appDir, 'local.settings.json');
	if (fs.existsSync(p)) {
		let values = {};
		try { values = JSON.parse(fs.readFileSync(p, 'utf8')).Values || {}; } catch (e) { die(`${p}: ${e.message}`); }
		for (const [k, v] of Object.entries(values)) settings[k] = String(v);
	}
}

function routePrefix() {
	try {
		const hj = JSON.parse(fs.readFileSync(path.join(appDir, 'host.json'), 'utf8'));
		const p = hj.extensions && hj.extensions.http && hj.extensions.http.routePrefix;
		if (typeof p === 'string') return p.replace(/^\/+|\/+$/g, '');
	} catch (e) { /* Core Tools would refuse; the default is fine here */ }
	return 'api';
}
const PREFIX = routePrefix();

function indexFunctions() {
	const out = [];
	for (const name of fs.readdirSync(appDir).sort()) {
		const dir = path.join(appDir, name);
		const fj = path.join(dir, 'function.json');
		if (!fs.existsSync(fj)) continue;
		let conf;
		try { conf = JSON.parse(fs.readFileSync(fj, 'utf8')); } catch (e) { die(`${fj}: ${e.message}`); }
		if (conf.disabled === true) continue;
		const bindings = conf.bindings || [];
		const trigger = bindings.find(b => /Trigger$/.test(b.type || ''));
		const bmap = {};
		for (const b of bindings) {
			bmap[b.name] = { type: b.type, direction: (b.direction || 'in').toLowerCase() };
		}
		out.push({
			id: crypto.randomUUID(),
			name,
			dir,
			scriptFile: path.join(dir, conf.scriptFile || '__init__.py'),
			entryPoint: conf.entryPoint || '',
			bindings: bmap,
			rawBindings: bindings.map(b => JSON.stringify(b)),
			trigger,
			methods: trigger && trigger.methods ? trigger.methods.map(m => m.toUpperCase()) : null,
			route: (trigger && trigger.route) || name,
		});
	}
	return out;
}
const functions = indexFunctions();
if (functions.length === 0) die(`no functions found in ${appDir} (no */function.json)`);

// ---- the protocol, from the worker's Python ----
function cleanEnv() {
	// The helper that dumps the schema is no part of the app: keep any
	// preloaded profiler out of it.
	const env = { ...process.env };
	for (const k of Object.keys(env)) if (k === 'LD_PRELOAD' || k.startsWith('MEMLINE_')) delete env[k];
	return env;
}
let rpc;
{
	let fds;
	try {
		fds = execFileSync(pythonExe, [path.join(WORKER_DIR, 'funcworker', 'dump_descriptors.py')],
			{ env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
	} catch (e) {
		const err = e.stderr ? e.stderr.toString().trim() : e.message;
		die(`${pythonExe} cannot load the FunctionRpc messages (run scripts/setup-azure ${pythonExe}):\n${err}`);
	}
	const def = protoLoader.loadFileDescriptorSetFromBuffer(fds, {
		keepCase: true, longs: String, enums: String, defaults: false, oneofs: true,
	});
	rpc = grpc.loadPackageDefinition(def).AzureFunctionsRpcMessages;
}

// protobufjs builds map<K,V> fields from a descriptor set as what they are on
// the wire: repeated {key, value} entry messages.
function entries(obj) { return Object.entries(obj || {}).map(([key, value]) => ({ key, value })); }
function fromEntries(arr) {
	if (!Array.isArray(arr)) return arr || {};
	const o = {};
	for (const e of arr) o[e.key] = e.value;
	return o;
}

// ---- state ----
const workerId = crypto.randomUUID();
const requestId = crypto.randomUUID();
let stream = null;               // the worker's EventStream call
let worker = null;               // its ChildProcess
let workerCaps = {};
const pendingLoads = new Map();  // function_id -> function
const pendingInvocations = new Map(); // invocation_id -> {resolve}
let httpServer = null;
let stopping = false;

function send(msg) {
	if (stream) stream.write({ request_id: requestId, ...msg });
}

function onRpcLog(l) {
	transcript({ kind: 'rpc_log', category: l.category, log_category: l.log_category || 'User',
		level: l.level || 'Information', invocation_id: l.invocation_id || '', message: l.message || '' });
	const system = l.log_category === 'System';
	const level = l.level || 'Information';
	const important = ['Warning', 'Error', 'Critical'].includes(level);
	if (system && !verbose && !important) return;
	log(l.message || '');
	if (l.exception && l.exception.message) log(l.exception.message);
}

function onMessage(m) {
	switch (m.content) {
	case 'start_stream':
		send({
			worker_init_request: {
				host_version: HOST_VERSION,
				capabilities: [],
				log_categories: [],
				worker_directory: WORKER_DIR,
				function_app_directory: appDir,
			},
		});
		break;
	case 'worker_init_response': {
		const r = m.worker_init_response;
		if (!r.result || r.result.status !== 'Success') {
			fatal(`worker initialization failed: ${r.result && r.result.exception ? r.result.exception.message : 'no result'}`);
			return;
		}
		workerCaps = fromEntries(r.capabilities);
		const md = r.worker_metadata || {};
		const props = fromEntries(md.custom_properties);
		log(`Worker process started and initialized (Python ${md.runtime_version || '?'}, ` +
			`${props.library || 'worker ' + (md.worker_version || '?')}).`);
		send({ functions_metadata_request: { function_app_directory: appDir } });
		break;
	}
	case 'function_metadata_response': {
		const r = m.function_metadata_response;
		if (r.function_metadata_results && r.function_metadata_results.length && !r.use_default_metadata_indexing) {
			fatal('this app indexes its own functions (the decorator model): funchost serves function.json apps only');
			return;
		}
		for (const f of functions) {
			pendingLoads.set(f.id, f);
			send({
				function_load_request: {
					function_id: f.id,
					metadata: {
						name: f.name,
						directory: f.dir,
						script_file: f.scriptFile,
						entry_point: f.entryPoint,
						bindings: entries(f.bindings),
						raw_bindings: f.rawBindings,
						language: 'python',
						function_id: f.id,
					},
				},
			});
		}
		break;
	}
	case 'function_load_response': {
		const r = m.function_load_response;
		const f = pendingLoads.get(r.function_id);
		pendingLoads.delete(r.function_id);
		if (!r.result || r.result.status !== 'Success') {
			const ex = r.result && r.result.exception;
			fatal(`function ${f ? f.name : r.function_id} failed to load: ${ex ? ex.message : '?'}`);
			return;
		}
		if (f) f.loaded = true;
		if (pendingLoads.size === 0) startHttp();
		break;
	}
	case 'invocation_response': {
		const r = m.invocation_response;
		const p = pendingInvocations.get(r.invocation_id);
		if (p) { pendingInvocations.delete(r.invocation_id); p.resolve(r); }
		break;
	}
	case 'rpc_log':
		onRpcLog(m.rpc_log);
		break;
	default:
		break;  // worker_status_response and the like
	}
}

// ---- gRPC server ----
const server = new grpc.Server({
	'grpc.max_receive_message_length': 2147483647,
	'grpc.max_send_message_length': 2147483647,
});
server.addService(rpc.FunctionRpc.service, {
	EventStream(call) {
		if (stream) { call.end(); return; }   // one worker only
		stream = call;
		call.on('data', onMessage);
		call.on('error', () => {});
		call.on('end', () => {
			stream = null;
			if (!stopping) fatal('the worker closed its EventStream');
		});
	},
});

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, grpcPort) => {
	if (err) die(`cannot start the gRPC server: ${err.message}`, 1);
	plain('');
	plain('Azure Functions Core Tools stand-in (memline scripts/funchost; not Microsoft\'s Core Tools)');
	plain(`Host version: ${HOST_VERSION} (Node.js ${process.version}); worker: ${pythonExe}`);
	plain('');
	for (const k of Object.keys(settings)) {
		if (process.env[k] !== undefined && process.env[k] !== settings[k]) {
			log(`Skipping '${k}' from local settings as it's already defined in current environment variables.`);
		}
	}
	startWorker(grpcPort);
});

function startWorker(grpcPort) {
	const env = { ...process.env };
	for (const [k, v] of Object.entries(settings)) if (env[k] === undefined) env[k] = v;
	env.AzureWebJobsScriptRoot = appDir;
	env.FUNCTIONS_WORKER_RUNTIME = env.FUNCTIONS_WORKER_RUNTIME || 'python';
	env.PYTHONUNBUFFERED = '1';
	const args = [path.join(WORKER_DIR, 'worker.py'),
		'--host', '127.0.0.1', '--port', String(grpcPort),
		'--workerId', workerId, '--requestId', requestId,
		'--grpcMaxMessageLength', '2147483647'];
	worker = spawn(pythonExe, args, { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
	worker.on('error', e => { worker = null; fatal(`cannot start ${pythonExe}: ${e.message}`); });
	for (const [name, s] of [['stdout', worker.stdout], ['stderr', worker.stderr]]) {
		readline.createInterface({ input: s, crlfDelay: Infinity }).on('line', line => {
			transcript({ kind: 'console', stream: name, line });
			// The worker's own console messages are system logs; anything
			// else it prints (the app's print(), a traceback) is shown.
			const m = /^LanguageWorkerConsoleLog\s*(\w+)?/.exec(line);
			if (m && !verbose && !['WARNING', 'ERROR', 'CRITICAL'].includes((m[1] || '').toUpperCase())) return;
			log(line);
		});
	}
	worker.on('exit', (code, signal) => {
		const w = worker;
		worker = null;
		if (!stopping) fatal(`Language Worker Process exited. Pid=${w.pid}, exit code ${code === null ? signal : code}.`);
	});
}

// ---- HTTP ----
function findFunction(urlPath) {
	const rel = urlPath.replace(/^\/+/, '');
	const want = PREFIX ? rel.slice(0, PREFIX.length + 1).toLowerCase() : '';
	if (PREFIX && want !== PREFIX.toLowerCase() + '/') return null;
	const route = (PREFIX ? rel.slice(PREFIX.length + 1) : rel).replace(/\/+$/, '').toLowerCase();
	return functions.find(f => f.trigger && f.trigger.type === 'httpTrigger' && f.route.toLowerCase() === route) || null;
}

function handleHttp(req, res) {
	const url = new URL(req.url, `http://${req.headers.host || '127.0.0.1:' + port}`);
	const f = findFunction(url.pathname);
	if (!f) { res.writeHead(404); res.end(); return; }
	if (f.methods && !f.methods.includes(req.method)) { res.writeHead(404); res.end(); return; }
	const chunks = [];
	req.on('data', c => chunks.push(c));
	req.on('end', () => invoke(f, req, url, Buffer.concat(chunks), res));
}

function invoke(f, req, url, body, res) {
	const invocationId = crypto.randomUUID();
	const started = process.hrtime.bigint();
	log(`Executing 'Functions.${f.name}' (Reason='This function was programmatically called via the host APIs.', Id=${invocationId})`);
	const headers = {};
	for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
	const query = {};
	for (const [k, v] of url.searchParams) query[k] = v;
	const rpcHttp = { method: req.method, url: url.toString(), headers: entries(headers), query: entries(query), params: [] };
	if (body.length) {
		rpcHttp.body = workerCaps.RawHttpBodyBytes === 'true' ? { bytes: body } : { string: body.toString('utf8') };
	}
	const triggerName = f.trigger.name;
	const msg = {
		invocation_id: invocationId,
		function_id: f.id,
		input_data: [{ name: triggerName, data: { http: rpcHttp } }],
		trigger_metadata: [],
	};
	if (workerCaps.RpcHttpTriggerMetadataRemoved !== 'true') {
		msg.trigger_metadata = entries({
			[triggerName]: { http: rpcHttp },
			Query: { json: JSON.stringify(query) },
			Headers: { json: JSON.stringify(headers) },
		});
	}
	new Promise(resolve => {
		pendingInvocations.set(invocationId, { resolve });
		send({ invocation_request: msg });
	}).then(r => {
		const ms = Number((process.hrtime.bigint() - started) / 1000000n);
		const ok = r.result && r.result.status === 'Success';
		log(`Executed 'Functions.${f.name}' (${ok ? 'Succeeded' : 'Failed'}, Id=${invocationId}, Duration=${ms}ms)`);
		if (!ok) {
			const ex = (r.result && r.result.exception) || {};
			log(`System.Private.CoreLib: Exception while executing function: Functions.${f.name}. ` +
				`System.Private.CoreLib: Result: Failure\nException: ${ex.message || '?'}\nStack: ${ex.stack_trace || ''}`);
			res.writeHead(500);
			res.end();
			return;
		}
		writeResult(r.return_value, res);
	}).catch(e => {
		log(`Functions.${f.name}: cannot send its HTTP response: ${e.message}`);
		if (!res.headersSent) res.writeHead(500);
		res.end();
	});
}

function typedBody(td) {
	if (!td || !td.data) return Buffer.alloc(0);
	const v = td[td.data];
	if (Buffer.isBuffer(v)) return v;
	if (typeof v === 'string') return Buffer.from(v, 'utf8');
	return Buffer.from(JSON.stringify(v), 'utf8');
}

function writeResult(rv, res) {
	if (!rv || !rv.data) { res.writeHead(204); res.end(); return; }
	if (rv.data !== 'http') {
		const type = rv.data === 'json' ? 'application/json' : 'text/plain; charset=utf-8';
		res.writeHead(200, { 'content-type': type });
		res.end(typedBody(rv));
		return;
	}
	const h = rv.http;
	const status = parseInt(h.status_code || '200', 10) || 200;
	const body = typedBody(h.body);
	const headers = fromEntries(h.headers);
	for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-length') delete headers[k];
	headers['content-length'] = String(body.length);
	res.writeHead(status, headers);
	res.end(body);
}

function startHttp() {
	if (httpServer) return;
	httpServer = http.createServer(handleHttp);
	httpServer.on('error', e => fatal(`cannot listen on 127.0.0.1:${port}: ${e.message}`));
	httpServer.listen(port, '127.0.0.1', () => {
		plain('');
		plain('Functions:');
		plain('');
		for (const f of functions) {
			if (f.trigger && f.trigger.type === 'httpTrigger') {
				const methods = (f.methods || ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']).join(',');
				plain(`\t${f.name}: [${methods}] http://127.0.0.1:${port}/${PREFIX ? PREFIX + '/' : ''}${f.route}`);
			} else {
				plain(`\t${f.name}: ${f.trigger ? f.trigger.type : 'no trigger'} (not served by funchost)`);
			}
			plain('');
		}
		if (!verbose) plain('For detailed output, run funchost with --verbose flag.');
		log('Host started.');
	});
}

// ---- stopping ----
function shutdown(code) {
	if (stopping) return;
	stopping = true;
	if (httpServer) httpServer.close();
	if (stream) { try { stream.end(); } catch (e) { /* gone */ } }
	const done = () => { server.forceShutdown(); process.exit(code); };
	if (!worker) { done(); return; }
	const w = worker;
	const kill = setTimeout(() => { try { w.kill('SIGKILL'); } catch (e) { /* gone */ } }, 3000);
	setTimeout(done, 6000);   // whatever happened to the worker, the host ends
	w.once('exit', () => { clearTimeout(kill); done(); });
	// Closing the stream makes the worker exit on its own; make sure.
	setTimeout(() => { try { w.kill('SIGTERM'); } catch (e) { /* gone */ } }, 1000);
}

function fatal(msg) {
	if (stopping) return;
	log(msg);
	shutdown(1);
}

process.on('SIGINT', () => { plain('Stopping host...'); shutdown(0); });
process.on('SIGTERM', () => shutdown(0));
