"""Reports: figures, the HTML report and the comparison page. Reads KPI tables; never imports the engine."""
