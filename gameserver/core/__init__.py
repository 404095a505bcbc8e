"""The pure match core: the match value and its (phase, command) table (`match`), the game
interface (`rules`) and time controls (`timecontrol`). No I/O, no clock: time is an argument."""
