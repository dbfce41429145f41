"""Rostering solver: pure Python, no Django (the rostering app's adapters map the ORM onto it).

    from homecare.rostering.solver import model, readers, search, validator

    instance = readers.read_mankowska(path)      # or build model.Instance from the day's visits
    result = search.solve(instance, time_limit=60, seed=1)
    report = validator.validate(instance, result.solution)
    report.feasible, report.objective, result.solution.unassigned   # visit id -> why it is not planned

Mapping the ORM (see model.py): a care worker is a `Carer` (skills as strings, home base and end base as
indices into the travel matrices, one `Shift` per availability window, `max_working_minutes`,
`travel_mode` picking a matrix); a visit is a `Visit` (window from preferred time +/- tolerance,
duration, required skills, person); a double-handed visit is two `Visit`s joined by a
`Synchronisation` with both gaps 0; regular carers per person go in `Instance.regular_carers`; soft goals
in `Weights`; `lateness="hard"` forbids lateness, "soft" pays for it as tardiness. Times are minutes from
an origin the caller chooses (midnight Europe/London of the day planned).

The solution's `Route`s give each carer's stops with arrival and start; `validator.validate` recomputes
everything from the instance and reports each broken rule, the objective and metrics (travel, its share
of paid time, continuity, working minutes per carer). Choice of engines: docs/adr/0007-rostering-solver.md.
"""
