-- 钉钉 robots with the 加签 security setting need the robot's secret to sign each message
-- (empty: the robot is not signed; 企业微信 robots have none).
ALTER TABLE notify_webhooks ADD COLUMN secret TEXT NOT NULL DEFAULT '';
