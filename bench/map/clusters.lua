-- wrk script for /api/v1/map/clusters: cycles through one query set of bench/map (the same
-- views, pans and zooms as catalyse-map-bench's `queries`).
--   MAP_SET=national wrk -t2 -c64 -d15s --latency -s bench/map/clusters.lua http://127.0.0.1:8080
--   wrk ... -s bench/map/clusters.lua http://127.0.0.1:8080 -- regional
-- MAP_SET (or the first script argument): national (default), regional or local.
-- MAP_FILTER (optional): extra query parameters appended as they are, e.g. "&family=associations".
-- MAP_QUERIES (optional): queries in the cycle (default 300).

local views = {
  national = { bbox = { -5.5, 41.2, 9.9, 51.3 }, zooms = { 5, 6 } },
  regional = { bbox = { 2.0, 44.1, 7.2, 46.8 }, zooms = { 7, 8 } },
  ["local"] = { bbox = { 4.75, 45.70, 4.92, 45.82 }, zooms = { 12, 13 } },
}

local paths = {}
local counter = 0

local function fract(x)
  return x - math.floor(x)
end

local function build(set)
  local view = views[set]
  if view == nil then
    error("unknown set " .. tostring(set) .. " (national, regional or local)")
  end
  local filter = os.getenv("MAP_FILTER") or ""
  local m = tonumber(os.getenv("MAP_QUERIES") or "300")
  local w, s, e, n = view.bbox[1], view.bbox[2], view.bbox[3], view.bbox[4]
  local dw, dh = e - w, n - s
  paths = {}
  for i = 0, m - 1 do
    -- Pans of up to +-10 % of the view, a low-discrepancy sequence; zooms in turn.
    local ox = (fract((i + 1) * 0.618033988749895) - 0.5) * 0.2 * dw
    local oy = (fract((i + 1) * 0.754877666246693) - 0.5) * 0.2 * dh
    local zoom = view.zooms[(i % #view.zooms) + 1]
    paths[#paths + 1] = string.format(
      "/api/v1/map/clusters?bbox=%.5f,%.5f,%.5f,%.5f&zoom=%d&layers=members,places%s",
      w + ox, s + oy, e + ox, n + oy, zoom, filter)
  end
end

function init(args)
  build(args[1] or os.getenv("MAP_SET") or "national")
  -- Each wrk thread starts at a different place in the cycle.
  counter = math.random(#paths) - 1
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
