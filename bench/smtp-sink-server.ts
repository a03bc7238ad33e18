// The bench's SMTP server, in a process of its own so its memory is measured alone: accepts every
// message and discards it (counted, never kept). Arrival times of one-time code messages (to
// `code-…`) are kept. GET /stats on HTTP_PORT answers the counts; GET /healthz answers ok.
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';

const smtpPort = Number(process.env.SMTP_PORT);
const httpPort = Number(process.env.PORT);
const stats = { messages: 0, firstAt: 0, lastAt: 0, connections: 0, codes: {} as Record<string, number> };

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onConnect(_session, callback) {
    stats.connections++;
    callback();
  },
  onData(stream, session, callback) {
    stream.on('end', () => {
      const now = Date.now();
      stats.messages++;
      stats.firstAt ||= now;
      stats.lastAt = now;
      for (const rcpt of session.envelope.rcptTo) if (rcpt.address.startsWith('code-')) stats.codes[rcpt.address] = now;
      callback();
    });
    stream.resume();
  },
});
smtp.listen(smtpPort, '127.0.0.1');

createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(request.url === '/stats' ? JSON.stringify(stats) : '{"ok":true}');
}).listen(httpPort, '127.0.0.1');
