"""What the demo tenant holds: scales, frameworks, role profiles and a workforce, as tables.

`app.services.demo` writes them through the ordinary use cases.
"""

from app.services.demo_data.engineering import ENGINEERING
from app.services.demo_data.leadership import LEADERSHIP
from app.services.demo_data.sales import SALES

FRAMEWORKS = (LEADERSHIP, SALES, ENGINEERING)
