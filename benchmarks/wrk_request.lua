-- One endpoint for benchmarks/http.py to drive with wrk:
--
--   wrk ... -s benchmarks/wrk_request.lua URL -- SPEC_FILE RUN_TAG
--
-- SPEC_FILE holds the request: the method on the first line, then one "Name: value" header a line,
-- an empty line, and the body (possibly empty). Every "{seq}" in the body becomes
-- RUN_TAG-THREAD-COUNTER, a value no other request of any run uses, so each create carries a new
-- check number or invoice number. When wrk finishes, one line starting "WRK_RESULT " carries the
-- figures as JSON (latency in microseconds; "status_errors" is what wrk prints as "Non-2xx or 3xx
-- responses": answers with a status of 400 or more).

local threads = {}

function setup(thread)
   thread:set("thread_number", #threads + 1)
   table.insert(threads, thread)
end

local method, headers, template, tag
local counter = 0

local function read_spec(path)
   local file = assert(io.open(path, "rb"))
   local text = file:read("*a")
   file:close()
   local head, body = text:match("^(.-)\n\n(.*)$")
   if head == nil then
      head, body = text, ""
   end
   local names = {}
   local first = true
   for line in head:gmatch("[^\n]+") do
      if first then
         method = line
         first = false
      else
         local name, value = line:match("^([^:]+):%s*(.*)$")
         names[name] = value
      end
   end
   return names, body
end

function init(args)
   headers, template = read_spec(args[1])
   tag = args[2] or "run"
end

function request()
   local body = nil
   if template ~= "" then
      counter = counter + 1
      local seq = tag .. "-" .. thread_number .. "-" .. counter
      body = template:gsub("{seq}", seq)
   end
   return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests": %d, "duration_us": %d, "status_errors": %d, '
         .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
         .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, errors.status, errors.connect, errors.read,
      errors.write, errors.timeout, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.max
   ))
end
