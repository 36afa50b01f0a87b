-- pipeline.lua: wrk script of the benchmark suite (contrib/bench).
--
-- Sends DEPTH requests at once on each connection (HTTP/1.1 pipelining)
-- and the next batch as soon as all DEPTH responses are in; wrk counts
-- every response as a request.  Written for sluice's bench.py.
--
-- Usage: wrk -s pipeline.lua URL -- DEPTH        (DEPTH defaults to 16)

local depth = 16
local batch

function init(args)
   if args[1] ~= nil then
      depth = tonumber(args[1])
   end
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format()
   end
   batch = table.concat(r)
end

function request()
   return batch
end
