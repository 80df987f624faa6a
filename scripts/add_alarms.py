"""Insert <Fn>Alarm after <Fn>LogGroup for every function that lacks one (targeted edits)."""

import re
from pathlib import Path

ALARM = """
  {fn}Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub byline-${{Stage}}-{fn}
      AlarmDescription: {fn} failed or was throttled (Errors + Throttles > 0 in 5 minutes).
      AlarmActions: [!Ref AlarmTopic]
      OKActions: [!Ref AlarmTopic]
      ComparisonOperator: GreaterThanThreshold
      Threshold: 0
      EvaluationPeriods: 1
      TreatMissingData: notBreaching
      Metrics:
        - Id: failures
          Label: Errors + Throttles
          Expression: SUM([errors, throttles])
        - Id: errors
          ReturnData: false
          MetricStat:
            Metric:
              Namespace: AWS/Lambda
              MetricName: Errors
              Dimensions: [{{ Name: FunctionName, Value: !Ref {fn} }}]
            Period: 300
            Stat: Sum
        - Id: throttles
          ReturnData: false
          MetricStat:
            Metric:
              Namespace: AWS/Lambda
              MetricName: Throttles
              Dimensions: [{{ Name: FunctionName, Value: !Ref {fn} }}]
            Period: 300
            Stat: Sum
"""

p = Path("/work/main/template.yaml")
text = p.read_text()
functions = re.findall(r"^  (\w+):\n    Type: AWS::Serverless::Function\n", text, re.M)
added = []
for fn in functions:
    text = p.read_text()  # re-read: others edit the file concurrently
    if re.search(rf"^  {fn}Alarm:\n", text, re.M):
        continue
    block = (
        f"  {fn}LogGroup:\n"
        "    Type: AWS::Logs::LogGroup\n"
        "    Properties:\n"
        f"      LogGroupName: !Sub /aws/lambda/${{{fn}}}\n"
        "      RetentionInDays: !Ref LogRetentionDays\n"
    )
    if text.count(block) != 1:
        print("no unique log group block for", fn)
        continue
    text = text.replace(block, block + ALARM.format(fn=fn))
    p.write_text(text)
    added.append(fn)
print(len(functions), "functions;", len(added), "alarms added:", " ".join(added))
