"""A training process: the train loop, its callbacks, devices and distribution, process
priority, launching detached runs, and the evaluation at the end. May import every engine
package below it (runs, data, models, reports).
"""
