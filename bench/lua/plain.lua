-- Baselines: the URL as given, only the JSON summary added.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")
