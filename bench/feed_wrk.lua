-- wrk script of bench/feed.py: viewers' home-feed sessions with rotating bearer tokens.
-- A session reads the first page, then FEED_PAGES - 1 more through the Link header's max_id (a
-- client scrolling: the ranked pages after the first come from the page cache). Run with as many
-- threads as connections (-t N -c N): each thread has one connection, so its requests and
-- responses alternate and the thread's globals are that connection's session.
-- Environment: FEED_TOKENS (a file, one token a line), FEED_ORDER, FEED_PAGES, FEED_LIMIT and
-- FEED_CONNECTIONS (the -c given: thread i serves viewers i, i + N, i + 2N, …).

local tokens = {}
for line in io.lines(os.getenv("FEED_TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
local order = os.getenv("FEED_ORDER") or "ranked"
local pages = tonumber(os.getenv("FEED_PAGES") or "1")
local limit = os.getenv("FEED_LIMIT") or "20"
local stride = tonumber(os.getenv("FEED_CONNECTIONS") or "1")

local threads = {}
local started = 0
local COUNTERS = {"n_model", "n_fallback", "n_chronological", "n_other", "n_non200", "n_first", "n_more"}

function setup(thread)
  started = started + 1
  thread:set("thread_index", started)
  table.insert(threads, thread)
end

function init(args)
  for _, name in ipairs(COUNTERS) do _G[name] = 0 end
  viewer = thread_index
  page = 0
  max_id = nil
end

function request()
  local path = "/api/v1/timelines/home?order=" .. order .. "&limit=" .. limit
  if max_id then path = path .. "&max_id=" .. max_id end
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. tokens[(viewer - 1) % #tokens + 1]})
end

local function header(headers, name)
  return headers[name] or headers[string.lower(name)]
end

function response(status, headers, body)
  if page == 0 then n_first = n_first + 1 else n_more = n_more + 1 end
  if status ~= 200 then
    n_non200 = n_non200 + 1
  else
    local ranking = header(headers, "X-Agora-Ranking")
    if ranking == "model" then n_model = n_model + 1
    elseif ranking == "fallback" then n_fallback = n_fallback + 1
    elseif ranking == "chronological" then n_chronological = n_chronological + 1
    else n_other = n_other + 1 end
  end
  local link = header(headers, "Link")
  local next_id = status == 200 and link and string.match(link, "max_id=(%d+)")
  page = page + 1
  if page >= pages or not next_id then  -- session over: the next viewer of this thread's stride
    page, max_id = 0, nil
    viewer = viewer + stride
  else
    max_id = next_id
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, name in ipairs(COUNTERS) do totals[name] = 0 end
  for _, thread in ipairs(threads) do
    for _, name in ipairs(COUNTERS) do totals[name] = totals[name] + (thread:get(name) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'FEEDJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
    '"max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"rankings": {"model": %d, "fallback": %d, "chronological": %d, "other": %d}, "non_200": %d, ' ..
    '"first_pages": %d, "later_pages": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    totals.n_model, totals.n_fallback, totals.n_chronological, totals.n_other, totals.n_non200,
    totals.n_first, totals.n_more))
end
